/** Hand-built facts for the indicator/rule/alert tests: inserts settlements and fee lines directly. */
import type { Db } from '../lib/db/client';

export interface Line {
  type: string;
  amt: number;
  days?: number;
  drug?: string;
  dr?: string;
}

export interface Visit {
  id: string;
  psn: string;
  inst: string;
  time: string;
  region?: string;
  medfee?: number;
  fund?: number;
  ownpay?: number;
  type?: 'hospital' | 'pharmacy';
  lv?: number;
  chronic?: boolean;
  designated?: boolean;
  emergency?: boolean;
  hasCard?: boolean;
  rx?: boolean | null;
  suspended?: boolean;
  /** a reversed (冲正) settlement: kept in the facts, out of every indicator and rule */
  reversed?: boolean;
  inpatient?: boolean;
  arrears?: boolean;
  outOfArea?: boolean;
  city?: string;
  psnType?: string;
  lines?: Line[];
}

export async function insertVisits(db: Db, visits: Visit[]): Promise<void> {
  const c = await db.$client.connect();
  try {
    await c.query("select ensure_fact_partitions('2023-01-01', '2025-12-01')");
    for (const v of visits) {
      const lines = v.lines ?? [{ type: '09', amt: v.medfee ?? 10000, days: 3, drug: 'X1', dr: `D-${v.inst}` }];
      const medfee = v.medfee ?? lines.reduce((a, l) => a + l.amt, 0);
      await c.query(
        `insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, med_type, insutype,
           medfee_sumamt, inscp_scp_amt, fulamt_ownpay_amt, hifp_pay, designated, emergency, has_card, rx_from_designated, suspended,
           inpatient_overlap, in_arrears, out_of_area_temporary, chronic, extra, reversed, row_hash)
         values ($1, $2, $3, $4, $5, $6, $7, $8, '11', '310', $9::bigint, $9::bigint - $10::bigint, $10::bigint, $11::bigint, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, 'h')`,
        [
          v.region ?? '140500', v.id, v.time, v.psn, v.psnType ?? '1101', v.inst, v.type ?? 'hospital', v.lv ?? 2, medfee, v.ownpay ?? 0,
          v.fund ?? Math.round(medfee / 2), v.designated ?? true, v.emergency ?? false, v.hasCard ?? true,
          v.rx === undefined ? (v.type === 'pharmacy' ? true : null) : v.rx, v.suspended ?? false, v.inpatient ?? false,
          v.arrears ?? false, v.outOfArea ?? false, v.chronic ?? false, v.city ? JSON.stringify({ fix_blng_admdvs: v.city }) : null,
          v.reversed ?? false,
        ],
      );
      let i = 0;
      for (const l of lines) {
        i += 1;
        await c.query(
          `insert into fee_details (admdvs, feedetl_sn, setl_id, setl_time, psn_no, fixmedins_code, med_chrgitm_type, hilist_code, det_item_fee_sumamt, bilg_dr_codg, medc_days, row_hash)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'h')`,
          [v.region ?? '140500', `${v.id}-${i}`, v.id, v.time, v.psn, v.inst, l.type, l.drug ?? null, l.amt, l.dr ?? `D-${v.inst}`, l.days ?? null],
        );
      }
    }
  } finally {
    c.release();
  }
}

/** A plain background: `n` institutions × `perInst` visits in a month, all ordinary and clean. */
export function background(month: string, n: number, perInst: number, opts: { prefix?: string; medfee?: (i: number, j: number) => number } = {}): Visit[] {
  const out: Visit[] = [];
  const p = opts.prefix ?? 'B';
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < perInst; j += 1) {
      const medfee = opts.medfee?.(i, j) ?? 10000 + ((i * 7 + j * 13) % 11) * 100;
      const day = String(1 + (j % 27)).padStart(2, '0');
      const hour = String(8 + (j % 9)).padStart(2, '0');
      out.push({
        id: `${p}${month}-${i}-${j}`,
        psn: `P${i}-${j}`,
        inst: `H${i}`,
        time: `${month}-${day} ${hour}:${String(j % 60).padStart(2, '0')}:00+08`,
        medfee,
        ownpay: Math.round(medfee * 0.05),
        lines: [
          { type: '02', amt: Math.round(medfee * 0.2) },
          { type: '03', amt: Math.round(medfee * 0.1) },
          { type: '09', amt: medfee - Math.round(medfee * 0.2) - Math.round(medfee * 0.1), days: 5, drug: `X${j % 5}`, dr: `D-H${i}-${j % 3}` },
        ],
      });
    }
  }
  return out;
}
