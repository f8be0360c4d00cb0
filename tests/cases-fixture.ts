/** Shared setup for the case and case-export tests: users, alerts with evidence claims, actors. */
import { InputError } from '../lib/errors';
import type { Db } from '../lib/db/client';
import { alerts, users } from '../lib/db/schema';
import type { Actor } from '../lib/db/scoped';

export async function makeActors(db: Db, regions = ['140500']) {
  const mk = async (email: string, name: string, role: 'inspector' | 'reviewer' | 'admin' | 'viewer'): Promise<Actor> => {
    const [u] = await db.insert(users).values({ email, name, role, passwordHash: 'x', regions }).returning({ id: users.id });
    return { userId: u?.id ?? null, name, role, regions };
  };
  return {
    inspector: await mk(`insp-${regions[0]}@t`, '稽核员甲', 'inspector'),
    reviewer: await mk(`rev-${regions[0]}@t`, '法制审核员乙', 'reviewer'),
    admin: await mk(`adm-${regions[0]}@t`, '管理员丙', 'admin'),
    viewer: await mk(`view-${regions[0]}@t`, '只读丁', 'viewer'),
  };
}

export interface AlertSpec {
  region?: string;
  rule?: string;
  subjectType: string;
  subjectId: string;
  subjectName?: string;
  period: string; // YYYY-MM
  amount: number; // fen
  setlIds?: string[];
  status?: string;
}

export async function insertAlerts(db: Db, specs: AlertSpec[]): Promise<number[]> {
  const rows = await db
    .insert(alerts)
    .values(
      specs.map((s, i) => ({
        regionCode: s.region ?? '140500',
        ruleId: s.rule ?? 'PAY-DIFF',
        subjectType: s.subjectType,
        subjectId: s.subjectId,
        subjectName: s.subjectName ?? null,
        periodKey: `${s.period}#${i}`,
        periodStart: `${s.period}-01`,
        periodEnd: `${s.period}-28`,
        resultType: 'violation',
        severity: 'high',
        status: s.status ?? 'confirmed',
        amount: s.amount,
        explanation: `${s.subjectId} 于 ${s.period} 统筹支付超出政策应付 ${(s.amount / 100).toFixed(2)} 元`,
        clause: '晋市医保发〔2022〕22号 七.3',
        evidence: { setl_ids: s.setlIds ?? [], n: s.setlIds?.length ?? 0 },
      })),
    )
    .returning({ id: alerts.id });
  return rows.map((r) => r.id);
}

/** Evidence claims: one settlement per (id, time, psn, fund fen) with one drug line. */
export async function insertClaims(db: Db, claims: Array<{ id: string; time: string; psn: string; inst: string; fund: number; medfee: number; region?: string }>) {
  const c = db.$client;
  await c.query("select ensure_fact_partitions('2024-01-01', '2024-12-01')");
  for (const x of claims) {
    await c.query(
      `insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, med_type, insutype,
         medfee_sumamt, inscp_scp_amt, fulamt_ownpay_amt, preselfpay_amt, hifp_pay, acct_pay, psn_cash_pay, refd_setl_flag, reversed, designated, emergency, has_card,
         out_of_area_temporary, in_arrears, inpatient_overlap, suspended, chronic, row_hash)
       values ($1, $2, $3, $4, '1101', $5, 'hospital', 2, '11', '310', $6, $6, 0, 0, $7, 0, $6::bigint - $7::bigint, false, false, true, false, true, false, false, false, false, false, 'h')`,
      [x.region ?? '140500', x.id, x.time, x.psn, x.inst, x.medfee, x.fund],
    );
    await c.query(
      `insert into fee_details (admdvs, feedetl_sn, setl_id, setl_time, psn_no, fixmedins_code, med_chrgitm_type, chrgitm_lv, hilist_code, hilist_name, cnt, pric, det_item_fee_sumamt, bilg_dr_codg, medc_days, row_hash)
       values ($1, $2, $3, $4, $5, $6, '09', '01', 'XA01', '阿莫西林胶囊', 2, $7::numeric / 200, $7, 'D001', 7, 'h')`,
      [x.region ?? '140500', `${x.id}-1`, x.id, x.time, x.psn, x.inst, x.medfee],
    );
  }
}

/** The InputError a refused action throws, as { field, message }; fails when the action was not refused. */
export async function refusal(p: Promise<unknown>): Promise<{ field: string | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return { field: e.where?.field, message: e.message };
    throw e;
  }
  throw new Error('expected a refusal');
}
