/**
 * Issue 23: the real-time check (NHSA 3101 / 3102 / 3103) on real Postgres, through the route handler.
 * Each rule is asked on both endpoints with a case it must flag (naming the order lines at fault) and a near miss it
 * must not; history comes from loaded claims (settlements → ind_visits, adjudications, suspensions) and from earlier
 * checks. Keys (401 / 403, hashed, counted), 3103 dispositions and bad input (400 naming the field, nothing stored).
 */
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../lib/db/client';
import { SYSTEM } from '../lib/db/scoped';
import { refreshIndicators } from '../lib/indicators/refresh';
import { withScope } from '../lib/realtime/db';
import { handleNhsa, type Endpoint } from '../lib/realtime/handler';
import { createKey, revokeKey } from '../lib/realtime/keys';
import { dispositionsByRule } from '../lib/realtime/quality';
import { ruleQuality } from '../lib/rules/quality';
import { runCli, testDatabase } from './db';
import { insertVisits, type Visit } from './rules-fixture';

let db: Db;
let url: string;
const keys: Record<string, string> = {};

interface Result {
  jr_id: string;
  rule_id: string;
  rule_name: string;
  vola_cont: string;
  vola_evid: string;
  vola_amt: string;
  sev_deg: string;
  patn_id: string;
  mdtrt_id: string;
  task_id: string | null;
  judge_result_detail_dtos: Array<{ jrd_id: string; rx_id: string | null; vola_amt: string; mdtrt_id: string }>;
}
interface Answer {
  status: number;
  body: { infcode: number; err_msg: string | null; err_field?: string; output: { result: Result[] } | null };
}

async function call(endpoint: Endpoint, key: string | null, body: unknown, raw = false): Promise<Answer> {
  const req = new Request(`http://localhost/api/nhsa/${endpoint}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: raw ? (body as string) : JSON.stringify(body),
  });
  const res = await handleNhsa(db, endpoint, req);
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}

interface Order {
  rx: string;
  code?: string;
  days?: number;
  amt?: string;
  dr?: string | null;
  type?: string;
}
interface Enc {
  mdtrt: string;
  inst?: string;
  time?: string;
  medType?: string;
  medfee?: string;
  dr?: string | null;
  dscg?: string;
  orders?: Order[];
}

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

function encounter(e: Enc) {
  const time = e.time ?? '2024-03-20 10:00:00';
  const day = time.slice(0, 10);
  return {
    mdtrt_id: e.mdtrt,
    medins_id: e.inst ?? 'H1',
    medins_admdvs: '140500',
    medins_lv: '05',
    adm_date: time,
    ...(e.dscg ? { dscg_date: e.dscg } : {}),
    dr_codg: e.dr === undefined ? 'D1' : e.dr,
    med_type: e.medType ?? '11',
    medfee_sumamt: e.medfee ?? '200.00',
    fsi_diagnose_dtos: [{ dise_codg: 'J00', dise_name: '急性鼻咽炎', maindiag_flag: '1' }],
    fsi_order_dtos: (e.orders ?? [{ rx: 'RX1' }]).map((o) => ({
      rx_id: o.rx,
      hilist_code: o.code ?? 'Z1',
      hilist_name: '药品',
      hilist_type: o.type ?? '101',
      cnt: 1,
      pric: o.amt ?? '50.00',
      sumamt: o.amt ?? '50.00',
      drord_begn_date: day,
      drord_stop_date: addDays(day, (o.days ?? 3) - 1),
      drord_dr_codg: o.dr === undefined ? 'D1' : o.dr,
    })),
  };
}

function body(trig: string, patn: string, encs: Enc[], more: { curr?: string; ruleIds?: string[] } = {}) {
  return {
    input: {
      data: {
        trig_scen: trig,
        task_id: `T-${patn}`,
        rule_ids: more.ruleIds ?? [],
        patient_dtos: [
          {
            patn_id: patn,
            patn_name: '张三',
            gend: '1',
            brdy: '1970-01-01',
            poolarea: '140500',
            curr_mdtrt_id: more.curr ?? encs[encs.length - 1]?.mdtrt,
            fsi_encounter_dtos: encs.map(encounter),
          },
        ],
      },
    },
  };
}

const ENDPOINTS: Array<{ ep: '3101' | '3102'; trig: string; s: string }> = [
  { ep: '3101', trig: '1', s: 'a' },
  { ep: '3102', trig: '6', s: 'b' },
];

const drugLine = (days: number, code: string, amt = 5000) => ({ type: '09', amt, days, drug: code, dr: 'DX' });
const hist = (id: string, psn: string, inst: string, time: string, more: Partial<Visit> = {}): Visit => ({
  id, psn, inst, time: `${time}+08`, lv: 2, lines: [drugLine(3, 'H')], ...more,
});

beforeAll(async () => {
  ({ db, url } = await testDatabase());
  const c = db.$client;
  await c.query(`insert into institutions (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, designated) values
    ('140500', 'H1', '城区医院', 'hospital', 2, true), ('140500', 'H2', '东街医院', 'hospital', 2, true),
    ('140500', 'PH1', '仁和药店', 'pharmacy', 1, true), ('140500', 'ND1', '未定点诊所', 'hospital', 1, false),
    ('140500', 'XT', '运城某医院', 'hospital', 2, true)`);
  for (const inst of ['H1', 'H2', 'PH1', 'ND1']) keys[inst] = (await createKey(db, SYSTEM, { institution: inst })).key;
  const visits: Visit[] = [];
  for (const { s } of ENDPOINTS) {
    visits.push(
      // RX-OVERLAP: 30 days of Z2 from 03-01 (the check on 03-10 overlaps 21 days); Z3 from 03-01 (03-20: 11 days)
      hist(`O1${s}`, `PO${s}`, 'H2', '2024-03-01 09:00:00', { chronic: true, lines: [drugLine(30, 'Z2')] }),
      hist(`N1${s}`, `PN${s}`, 'H2', '2024-03-01 09:00:00', { chronic: true, lines: [drugLine(30, 'Z3')] }),
      // SPLIT-VISIT: a settlement at H1 the same day (PSV) / the day before (PSN)
      hist(`SV${s}`, `PSV${s}`, 'H1', '2024-03-20 09:00:00'),
      hist(`SN${s}`, `PSN${s}`, 'H1', '2024-03-19 09:00:00'),
      // TWO-PLACES: a settlement in 运城 (140800) at 10:00; the checks at 10:30 (hit) and 11:30 (miss)
      hist(`TP${s}`, `PTP${s}`, 'XT', '2024-03-20 10:00:00', { city: '140800' }),
      hist(`TN${s}`, `PTN${s}`, 'XT', '2024-03-20 10:00:00', { city: '140800' }),
      // the encounter checked now, already settled and loaded (same mdtrt_id at H1): not its own history
      hist(`SM${s}`, `PSM${s}`, 'H1', '2024-03-20 09:00:00', { lines: [drugLine(30, 'Z6')] }),
    );
  }
  await insertVisits(db, visits);
  await c.query("update settlements set mdtrt_id = 'M' || setl_id where setl_id like 'SM%'");
  for (const { s } of ENDPOINTS) {
    await c.query(`insert into suspensions (region_code, psn_no, start_date, end_date) values ('140500', $1, '2024-03-01', '2024-04-01')`, [`PSU${s}`]);
    // the year's payments so far, as re-adjudication writes them: the cap (1,800 元 in service) used up / not
    await c.query(
      `insert into adjudications (admdvs, setl_id, setl_time, psn_no, policy_id, deductible, eligible, rate_bp, fund_pay, self_pay, year_fund_paid, year_deductible_paid, capped, clause, computed_at)
       values ('140500', $1, '2024-03-10 09:00:00+08', $2, 'x', 0, 0, 0, 0, 0, 900000, 10000, true, 'x', now()),
              ('140500', $3, '2024-03-10 09:00:00+08', $4, 'x', 0, 0, 0, 0, 0, 1000, 10000, false, 'x', now())`,
      [`CAP${s}`, `PCAP${s}`, `CAPN${s}`, `PCAPN${s}`],
    );
  }
  await refreshIndicators(db, { months: [], regionCodes: [], full: true });
}, 120_000);

const ruleIds = (a: Answer) => a.body.output?.result.map((r) => r.rule_id) ?? [];
const hit = (a: Answer, rule: string) => a.body.output?.result.find((r) => r.rule_id === rule);

describe.each(ENDPOINTS)('rules on $ep', ({ ep, trig, s }) => {
  it('RX-DAYS-ORD: 20 days of an ordinary prescription is a violation naming the line; 10 days a warning; 7 days nothing', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PR${s}`, [{ mdtrt: `MR1${s}`, orders: [{ rx: 'RX-OK', days: 3 }, { rx: 'RX-LONG', days: 20, amt: '80.00' }] }]));
    expect(a.status).toBe(200);
    expect(a.body.infcode).toBe(0);
    const r = hit(a, 'RX-DAYS-ORD');
    expect(r?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['RX-LONG']);
    expect(r?.vola_amt).toBe('80.00');
    expect(r?.sev_deg).toBe('1');
    expect(r?.task_id).toBe(`T-PR${s}`);
    // the monitoring rule's wording and the clause binding 晋城 (as the alert of the same rule cites)
    expect(r?.vola_cont).toMatch(/^机构 城区医院（H1） 2024-03-20 有 1 笔普通疾病处方用药天数超过最长 14 天（最长 20 天）/);
    expect(r?.vola_evid).toContain('《医疗保障基金使用监督管理条例》第三十八条');
    expect(ruleIds(a)).not.toContain('RX-DAYS-ORD-WARN');
    const w = await call(ep, keys.H1 ?? '', body(trig, `PR${s}`, [{ mdtrt: `MR2${s}`, time: '2024-03-21 10:00:00', orders: [{ rx: 'RX-10', days: 10, code: 'W1' }] }]));
    expect(ruleIds(w)).toEqual(['RX-DAYS-ORD-WARN']);
    expect(hit(w, 'RX-DAYS-ORD-WARN')?.sev_deg).toBe('3');
    const n = await call(ep, keys.H1 ?? '', body(trig, `PR${s}`, [{ mdtrt: `MR3${s}`, time: '2024-03-22 10:00:00', orders: [{ rx: 'RX-7', days: 7, code: 'W2' }] }]));
    expect(ruleIds(n)).toEqual([]);
    expect(n.body.output?.result).toEqual([]);
  });

  it('RX-DAYS-CHR: 100 days of a chronic prescription is a violation, 40 days a warning, 30 days nothing', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PC${s}`, [{ mdtrt: `MC1${s}`, medType: '14', orders: [{ rx: 'RX-C100', days: 100, code: 'C1' }] }]));
    expect(ruleIds(a)).toEqual(['RX-DAYS-CHR']);
    expect(hit(a, 'RX-DAYS-CHR')?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['RX-C100']);
    const w = await call(ep, keys.H1 ?? '', body(trig, `PC2${s}`, [{ mdtrt: `MC2${s}`, medType: '14', orders: [{ rx: 'RX-C40', days: 40, code: 'C2' }] }]));
    expect(ruleIds(w)).toEqual(['RX-DAYS-CHR-WARN']);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PC3${s}`, [{ mdtrt: `MC3${s}`, medType: '14', orders: [{ rx: 'RX-C30', days: 30, code: 'C3' }] }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('EXCL-NON-DESIGNATED: a non-designated institution is flagged with the fund at stake, not for an emergency', async () => {
    const a = await call(ep, keys.ND1 ?? '', body(trig, `PND${s}`, [{ mdtrt: `MND1${s}`, inst: 'ND1', medfee: '500.00' }]));
    const r = hit(a, 'EXCL-NON-DESIGNATED');
    expect(r).toBeDefined();
    expect(Number(r?.vola_amt)).toBeGreaterThan(0);
    expect(r?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['RX1']);
    const n = await call(ep, keys.ND1 ?? '', body(trig, `PND2${s}`, [{ mdtrt: `MND2${s}`, inst: 'ND1', medType: '13', medfee: '500.00' }]));
    expect(ruleIds(n)).not.toContain('EXCL-NON-DESIGNATED');
  });

  it('SUSPENDED: a person whose networked settlement is suspended is flagged; another is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PSU${s}`, [{ mdtrt: `MSU1${s}`, medfee: '300.00' }]));
    expect(ruleIds(a)).toContain('SUSPENDED');
    expect(hit(a, 'SUSPENDED')?.vola_cont).toMatch(/在暂停联网结算期间/);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PSX${s}`, [{ mdtrt: `MSU2${s}`, medfee: '300.00' }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('EXCL-PHARMACY-NO-RX: a pharmacy purchase without a prescribing doctor is flagged; with one it is not', async () => {
    const a = await call(ep, keys.PH1 ?? '', body(trig, `PPH${s}`, [{ mdtrt: `MPH1${s}`, inst: 'PH1', medType: '41', dr: null, orders: [{ rx: 'RX-P', dr: null }] }]));
    expect(ruleIds(a)).toEqual(['EXCL-PHARMACY-NO-RX']);
    expect(hit(a, 'EXCL-PHARMACY-NO-RX')?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['RX-P']);
    const n = await call(ep, keys.PH1 ?? '', body(trig, `PPH2${s}`, [{ mdtrt: `MPH2${s}`, inst: 'PH1', medType: '41', dr: null, orders: [{ rx: 'RX-P2', dr: 'D-H9' }] }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('EXCL-INPATIENT: an outpatient encounter during an inpatient stay is flagged (stay in the request, or checked earlier); after discharge it is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PIN${s}`, [{ mdtrt: `ZY1${s}`, medType: '21', time: '2024-03-18 08:00:00' }, { mdtrt: `MIN1${s}` }]));
    expect(ruleIds(a)).toEqual(['EXCL-INPATIENT']);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PIN2${s}`, [{ mdtrt: `ZY2${s}`, medType: '21', time: '2024-03-18 08:00:00', dscg: '2024-03-19' }, { mdtrt: `MIN2${s}` }]));
    expect(ruleIds(n)).toEqual([]);
    // the stay checked on its own first (stored), the outpatient visit asked later
    const stay = await call(ep, keys.H1 ?? '', body(trig, `PIN3${s}`, [{ mdtrt: `ZY3${s}`, medType: '21', time: '2024-03-18 08:00:00' }]));
    expect(ruleIds(stay)).toEqual([]);
    const later = await call(ep, keys.H2 ?? '', body(trig, `PIN3${s}`, [{ mdtrt: `MIN3${s}`, inst: 'H2' }]));
    expect(ruleIds(later)).toEqual(['EXCL-INPATIENT']);
  });

  it('RX-OVERLAP: the same drug while a loaded 30-day supply runs 21 more days is flagged; 11 days is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PO${s}`, [{ mdtrt: `MO1${s}`, medType: '14', time: '2024-03-10 09:00:00', orders: [{ rx: 'RX-Z2', code: 'Z2', days: 30 }, { rx: 'RX-OTHER', code: 'Z7', days: 30 }] }]));
    const r = hit(a, 'RX-OVERLAP');
    expect(r?.judge_result_detail_dtos.map((d) => d.rx_id)).toEqual(['RX-Z2']);
    expect(r?.vola_cont).toMatch(/最长重叠 21 天.*Z2/);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PN${s}`, [{ mdtrt: `MN1${s}`, medType: '14', time: '2024-03-20 09:00:00', orders: [{ rx: 'RX-Z3', code: 'Z3', days: 30 }] }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('RX-OVERLAP from an earlier check: a second prescription of the same drug 4 days after a checked 30-day one', async () => {
    const first = await call(ep, keys.H1 ?? '', body(trig, `PE${s}`, [{ mdtrt: `ME1${s}`, medType: '14', time: '2024-03-01 09:00:00', orders: [{ rx: 'RX-E1', code: 'Z4', days: 30 }] }]));
    expect(ruleIds(first)).toEqual([]);
    const second = await call(ep, keys.H2 ?? '', body(trig, `PE${s}`, [{ mdtrt: `ME2${s}`, inst: 'H2', medType: '14', time: '2024-03-05 09:00:00', orders: [{ rx: 'RX-E2', code: 'Z4', days: 30 }] }]));
    expect(ruleIds(second)).toEqual(['RX-OVERLAP']);
    // checking the first encounter again (e.g. 3101, then 3102 at settlement) does not overlap with itself
    const again = await call(ep, keys.H1 ?? '', body(trig, `PE${s}`, [{ mdtrt: `ME1${s}`, medType: '14', time: '2024-03-01 09:00:00', orders: [{ rx: 'RX-E1', code: 'Z4', days: 30 }] }]));
    expect(ruleIds(again)).toEqual([]);
  });

  it('SPLIT-VISIT: a second visit at the same institution the same day is flagged; the day after a visit is not; the same encounter again is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PSV${s}`, [{ mdtrt: `MSV1${s}`, time: '2024-03-20 15:00:00' }]));
    expect(ruleIds(a)).toEqual(['SPLIT-VISIT']);
    expect(hit(a, 'SPLIT-VISIT')?.vola_cont).toMatch(/单日最多 2 次/);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PSN${s}`, [{ mdtrt: `MSN1${s}`, time: '2024-03-20 15:00:00' }]));
    expect(ruleIds(n)).toEqual([]);
    const again = await call(ep, keys.H1 ?? '', body(trig, `PSN${s}`, [{ mdtrt: `MSN1${s}`, time: '2024-03-20 15:00:00' }]));
    expect(ruleIds(again)).toEqual([]);
    const second = await call(ep, keys.H1 ?? '', body(trig, `PSN${s}`, [{ mdtrt: `MSN2${s}`, time: '2024-03-20 16:00:00' }]));
    expect(ruleIds(second)).toEqual(['SPLIT-VISIT']);
  });

  it('the loaded settlement of the encounter being checked is not its history (no repeat visit, no overlap with itself)', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PSM${s}`, [{ mdtrt: `MSM${s}`, time: '2024-03-20 09:00:00', medType: '14', orders: [{ rx: 'RX-Z6', code: 'Z6', days: 30 }] }]));
    expect(ruleIds(a)).toEqual([]);
    const other = await call(ep, keys.H1 ?? '', body(trig, `PSM${s}`, [{ mdtrt: `MSM2${s}`, time: '2024-03-20 11:00:00', medType: '14', orders: [{ rx: 'RX-Z6B', code: 'Z6', days: 30 }] }]));
    expect(ruleIds(other).sort()).toEqual(['RX-OVERLAP', 'SPLIT-VISIT']);
  });

  it('TWO-PLACES: 30 minutes after a settlement in another city is flagged; 90 minutes is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PTP${s}`, [{ mdtrt: `MTP1${s}`, time: '2024-03-20 10:30:00' }]));
    expect(ruleIds(a)).toEqual(['TWO-PLACES']);
    expect(hit(a, 'TWO-PLACES')?.vola_cont).toMatch(/相隔仅 30 分钟/);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PTN${s}`, [{ mdtrt: `MTN1${s}`, time: '2024-03-20 11:30:00' }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('CAP-REACHED: the year cap already used up by loaded claims is flagged with the policy clause; far below it is not', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PCAP${s}`, [{ mdtrt: `MCAP1${s}`, medfee: '500.00' }]));
    const r = hit(a, 'CAP-REACHED');
    expect(r).toBeDefined();
    expect(r?.vola_evid).toMatch(/晋/);
    expect(Number(r?.vola_amt)).toBeGreaterThan(0);
    const n = await call(ep, keys.H1 ?? '', body(trig, `PCAPN${s}`, [{ mdtrt: `MCAPN1${s}`, medfee: '500.00' }]));
    expect(ruleIds(n)).toEqual([]);
  });

  it('rule_ids limits the rules judged', async () => {
    const a = await call(ep, keys.H1 ?? '', body(trig, `PRL${s}`, [{ mdtrt: `MRL1${s}`, orders: [{ rx: 'RX-L', days: 20, code: 'L1' }] }], { ruleIds: ['SPLIT-VISIT'] }));
    expect(ruleIds(a)).toEqual([]);
  });
});

describe('keys', () => {
  it('401 without a key, with an unknown key and with a revoked key; nothing is stored', async () => {
    const b = body('1', 'PK1', [{ mdtrt: 'MK1', orders: [{ rx: 'R', days: 20 }] }]);
    const none = await call('3101', null, b);
    expect(none.status).toBe(401);
    expect(none.body.infcode).toBe(-1);
    expect(none.body.err_msg).toMatch(/密钥/);
    expect((await call('3101', 'ofm_140500_' + 'x'.repeat(43), b)).status).toBe(401);
    const k = await createKey(db, SYSTEM, { institution: 'H1', label: '将作废' });
    expect((await call('3101', k.key, b)).status).toBe(200);
    await revokeKey(db, SYSTEM, { region: '140500', id: k.id });
    const revoked = await call('3101', k.key, body('1', 'PK1', [{ mdtrt: 'MK2' }]));
    expect(revoked.status).toBe(401);
    expect(revoked.body.err_msg).toMatch(/作废/);
    const stored = await db.$client.query("select count(*)::int as n from rt_encounters where mdtrt_id = 'MK2'");
    expect(stored.rows[0].n).toBe(0);
    // revocation is audited
    const audit = await db.$client.query("select action from audit_log where entity = 'rt_api_key' and entity_id = $1 order by id", [String(k.id)]);
    expect(audit.rows.map((r: { action: string }) => r.action)).toEqual(['apikey.create', 'apikey.revoke']);
  });

  it('403 for an encounter of another institution; the key is stored only as its SHA-256', async () => {
    const a = await call('3101', keys.H2 ?? '', body('1', 'PK3', [{ mdtrt: 'MK3', inst: 'H1' }]));
    expect(a.status).toBe(403);
    expect(a.body.infcode).toBe(-1);
    expect(a.body.err_msg).toMatch(/机构/);
    expect((await db.$client.query("select count(*)::int as n from rt_encounters where mdtrt_id = 'MK3'")).rows[0].n).toBe(0);
    const h = createHash('sha256').update(keys.H2 ?? '').digest('hex');
    const row = await db.$client.query<{ key_hash: string; key_prefix: string }>("select key_hash, key_prefix from rt_api_keys where fixmedins_code = 'H2'");
    expect(row.rows[0]?.key_hash).toBe(h);
    expect(JSON.stringify(row.rows)).not.toContain(keys.H2);
  });

  it('every call with a key is counted, refused ones with their status', async () => {
    const before = (await db.$client.query<{ n: number }>("select count(*)::int as n from rt_calls where fixmedins_code = 'H2'")).rows[0]?.n ?? 0;
    await call('3101', keys.H2 ?? '', body('1', 'PK4', [{ mdtrt: 'MK4', inst: 'H2' }]));
    await call('3101', keys.H2 ?? '', '{', true);
    const r = await db.$client.query<{ status: number }>("select status from rt_calls where fixmedins_code = 'H2' order by id desc limit 2");
    expect(r.rows.map((x) => x.status)).toEqual([400, 200]);
    expect((await db.$client.query<{ n: number }>("select count(*)::int as n from rt_calls where fixmedins_code = 'H2'")).rows[0]?.n).toBe(before + 2);
  });

  it('apikey create on the command line prints {key}; the key works', async () => {
    const r = await runCli(['apikey', 'create', '--institution', 'H2', '--json'], { url });
    expect(r.code).toBe(0);
    const { key } = JSON.parse(r.stdout) as { key: string };
    expect(key).toMatch(/^ofm_140500_/);
    expect((await call('3101', key, body('1', 'PK5', [{ mdtrt: 'MK5', inst: 'H2' }]))).status).toBe(200);
    const bad = await runCli(['apikey', 'create', '--institution', 'NOPE', '--json'], { url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/机构 NOPE 不存在/);
  });
});

describe('3103 dispositions', () => {
  it('keeps every disposition; 继续执行 needs a reason; unknown warning 400; another institution 403; counted per rule', async () => {
    const a = await call('3101', keys.H1 ?? '', body('1', 'PD1', [{ mdtrt: 'MD1', time: '2024-04-02 10:00:00', orders: [{ rx: 'RX-D1', days: 20, code: 'D1' }] }]));
    const b = await call('3101', keys.H1 ?? '', body('1', 'PD2', [{ mdtrt: 'MD2', time: '2024-04-02 10:00:00', orders: [{ rx: 'RX-D2', days: 20, code: 'D2' }] }]));
    const j1 = hit(a, 'RX-DAYS-ORD')?.jr_id ?? '';
    const j2 = hit(b, 'RX-DAYS-ORD')?.jr_id ?? '';
    expect(j1).not.toBe('');
    const before = await withScope(db, SYSTEM, (c) => dispositionsByRule(c, ['140500']));
    const base = before.find((r) => r.rule_id === 'RX-DAYS-ORD');

    const noReason = await call('3103', keys.H1 ?? '', { input: { data: { warn_rslt_dtos: [{ jr_id: j1, dspo_way: '1' }] } } });
    expect(noReason.status).toBe(400);
    expect(noReason.body.err_msg).toContain('input.data.warn_rslt_dtos[0].dspo_wayrea');
    const unknown = await call('3103', keys.H1 ?? '', { input: { data: { warn_rslt_dtos: [{ jr_id: 'JR-NOPE', dspo_way: '2' }] } } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.err_field).toBe('input.data.warn_rslt_dtos[0].jr_id');
    const other = await call('3103', keys.H2 ?? '', { input: { data: { warn_rslt_dtos: [{ jr_id: j1, dspo_way: '2' }] } } });
    expect(other.status).toBe(403);

    const ok = await call('3103', keys.H1 ?? '', { input: { data: { warn_rslt_dtos: [{ jr_id: j1, dspo_way: '1', dspo_wayrea: '病情需要长期用药' }, { jr_id: j2, dspo_way: '2' }] } } });
    expect(ok.status).toBe(200);
    expect(ok.body.infcode).toBe(0);
    const kept = await db.$client.query('select jr_id, dspo_way, dspo_wayrea from rt_dispositions order by id');
    expect(kept.rows).toEqual([
      { jr_id: j1, dspo_way: '1', dspo_wayrea: '病情需要长期用药' },
      { jr_id: j2, dspo_way: '2', dspo_wayrea: null },
    ]);
    const after = (await withScope(db, SYSTEM, (c) => dispositionsByRule(c, ['140500']))).find((r) => r.rule_id === 'RX-DAYS-ORD');
    expect(after?.warnings).toBe(base?.warnings);
    expect(after?.continued).toBe((base?.continued ?? 0) + 1);
    expect(after?.modified).toBe((base?.modified ?? 0) + 1);
    expect(after?.reasons).toEqual([{ reason: '病情需要长期用药', n: 1 }]);
    // the rule's quality (规则 page, `rules quality`) shows the same answers for the region
    const q = (await withScope(db, SYSTEM, (c) => ruleQuality(c, { region: '140500', rule: 'RX-DAYS-ORD' })))[0];
    expect(q?.realtime).toMatchObject({ warnings: after?.warnings, continued: after?.continued, modified: after?.modified });
    expect(q?.realtime?.continued_by_reason).toEqual({ 病情需要长期用药: 1 });
    // a later answer is added, the latest one counts
    await call('3103', keys.H1 ?? '', { input: { data: { warn_rslt_dtos: [{ jr_id: j1, dspo_way: '2' }] } } });
    expect((await db.$client.query('select count(*)::int as n from rt_dispositions where jr_id = $1', [j1])).rows[0].n).toBe(2);
    const latest = (await withScope(db, SYSTEM, (c) => dispositionsByRule(c, ['140500']))).find((r) => r.rule_id === 'RX-DAYS-ORD');
    expect(latest?.modified).toBe((base?.modified ?? 0) + 2);
    expect(latest?.continued).toBe(base?.continued ?? 0);
  });
});

describe('bad input', () => {
  const counts = async () =>
    (await db.$client.query<{ e: number; r: number; o: number }>('select (select count(*) from rt_encounters)::int as e, (select count(*) from rt_results)::int as r, (select count(*) from rt_orders)::int as o')).rows[0];

  it('malformed JSON, a missing field, a wrong trig_scen: 400 naming the field, infcode -1, Chinese message, nothing stored', async () => {
    const before = await counts();
    const bad = await call('3101', keys.H1 ?? '', '{"input":', true);
    expect(bad.status).toBe(400);
    expect(bad.body.infcode).toBe(-1);
    expect(bad.body.err_msg).toMatch(/JSON/);
    expect(bad.body.err_msg).toMatch(/[\u4e00-\u9fa5]/);

    const b = body('1', 'PB1', [{ mdtrt: 'MB1', orders: [{ rx: 'RX-B', days: 20 }] }]) as { input: { data: { patient_dtos: Array<Record<string, unknown>> } } };
    delete b.input.data.patient_dtos[0]?.patn_id;
    const missing = await call('3101', keys.H1 ?? '', b);
    expect(missing.status).toBe(400);
    expect(missing.body.err_msg).toContain('input.data.patient_dtos[0].patn_id');
    expect(missing.body.err_field).toBe('input.data.patient_dtos[0].patn_id');

    const noDate = body('6', 'PB2', [{ mdtrt: 'MB2' }]) as { input: { data: { patient_dtos: Array<{ fsi_encounter_dtos: Array<Record<string, unknown>> }> } } };
    delete noDate.input.data.patient_dtos[0]?.fsi_encounter_dtos[0]?.adm_date;
    const m2 = await call('3102', keys.H1 ?? '', noDate);
    expect(m2.status).toBe(400);
    expect(m2.body.err_msg).toContain('input.data.patient_dtos[0].fsi_encounter_dtos[0].adm_date');

    const amount = body('1', 'PB3', [{ mdtrt: 'MB3', orders: [{ rx: 'RX-B', amt: '1.234' }] }]);
    const m3 = await call('3101', keys.H1 ?? '', amount);
    expect(m3.status).toBe(400);
    expect(m3.body.err_field).toBe('input.data.patient_dtos[0].fsi_encounter_dtos[0].fsi_order_dtos[0].sumamt');

    const scen = await call('3101', keys.H1 ?? '', body('6', 'PB4', [{ mdtrt: 'MB4' }]));
    expect(scen.status).toBe(400);
    expect(scen.body.err_field).toBe('input.data.trig_scen');
    const noInput = await call('3102', keys.H1 ?? '', { data: {} });
    expect(noInput.status).toBe(400);
    expect(noInput.body.err_msg).toContain('input');
    expect(await counts()).toEqual(before);
  });

  it('the exported route handler answers over the same path (POST /api/nhsa/3102)', async () => {
    process.env.DATABASE_URL = url;
    const { resetEnvCache } = await import('../lib/env');
    resetEnvCache();
    const { POST } = await import('../app/api/nhsa/3102/route');
    const res = await POST(
      new Request('http://localhost/api/nhsa/3102', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${keys.H1 ?? ''}` },
        body: JSON.stringify(body('7', 'PRT', [{ mdtrt: 'MRT1', orders: [{ rx: 'RX-RT', days: 20, code: 'RT' }] }])),
      }),
    );
    expect(res.status).toBe(200);
    const j = (await res.json()) as Answer['body'];
    expect(j.output?.result.map((r) => r.rule_id)).toEqual(['RX-DAYS-ORD']);
    expect((await POST(new Request('http://localhost/api/nhsa/3102', { method: 'POST', body: '{}' }))).status).toBe(401);
  });
});
