/**
 * Each rule on real Postgres: one case it must flag and a near miss it must not.
 * Peer group: H0..H5 (hospital, level 2), 40 clean visits each in Feb and Mar 2024; the visit-level
 * anomalies sit at level-1 institutions X* so they do not move the peer statistics.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { explain } from '../lib/alerts/explain';
import { getAlert } from '../lib/alerts/queries';
import type { Db } from '../lib/db/client';
import { scoped, SYSTEM } from '../lib/db/scoped';
import { refreshIndicators } from '../lib/indicators/refresh';
import { rules as allRules } from '../lib/rules/index';
import { runRules } from '../lib/rules/run';
import { testDatabase } from './db';
import { background, insertVisits, type Visit } from './rules-fixture';

let db: Db;
interface A { rule_id: string; subject_id: string; period_key: string; evidence: { setl_ids: string[] }; explanation: string; value: number; threshold: number | null; peer_median: number | null; percentile: number | null; result_type: string }
let alerts: A[] = [];
const find = (rule: string, subject: string, period = '2024-03') => alerts.find((a) => a.rule_id === rule && a.subject_id === subject && a.period_key === period);
const ids = (rule: string) => alerts.filter((a) => a.rule_id === rule).flatMap((a) => a.evidence.setl_ids);

const drug = (days: number, code = 'Z1', amt = 5000, dr = 'DX') => ({ type: '09', amt, days, drug: code, dr });
const x = (id: string, psn: string, inst: string, time: string, more: Partial<Visit> = {}): Visit => ({
  id, psn, inst, time: `2024-03-${time}+08`, lv: 1, lines: [drug(3)], ...more,
});

beforeAll(async () => {
  ({ db } = await testDatabase());
  const fee = (month: string) => (i: number, j: number) => {
    const base = 10000 + ((i * 7 + j * 13) % 11) * 100;
    if (i === 0) return base * 2.5; // H0: high per-capita cost in both months
    if (month === '2024-03' && i === 5) return Math.round(base * 1.6); // H5: +60 % in March
    if (month === '2024-03' && i === 4) return Math.round(base * 1.2); // H4: +20 %, near miss
    return base;
  };
  const bg = [...background('2024-02', 6, 40, { medfee: fee('2024-02') }), ...background('2024-03', 6, 40, { medfee: fee('2024-03') })];
  for (const v of bg) {
    if (!v.time.startsWith('2024-03')) continue;
    const m = v.medfee ?? 0;
    if (v.inst === 'H3') v.ownpay = Math.round(m * 0.3); // self-pay spike
    if (v.inst === 'H2') v.ownpay = Math.round(m * 0.08); // second highest, near miss
    if (v.inst === 'H1') v.lines = [{ type: '03', amt: Math.round(m * 0.6) }, { type: '09', amt: m - Math.round(m * 0.6), days: 5, drug: 'X1', dr: `D-H1-${Number(v.id.split('-').pop()) % 3}` }];
  }
  const many = (prefix: string, n: number, dr: string, inst: string, day: string) =>
    Array.from({ length: n }, (_, k): Visit => x(`${prefix}${k}`, `${prefix}P${k}`, inst, `${day} 09:${String(k % 60).padStart(2, '0')}:00`, { lines: [drug(3, 'Z9', 1000, dr)] }));
  const anomalies: Visit[] = [
    x('R1', 'PR1', 'XR', '02 09:00:00', { lines: [drug(20)] }),
    x('R2', 'PR2', 'XR2', '02 09:00:00', { lines: [drug(14)] }),
    x('C1', 'PC1', 'XC', '02 09:00:00', { chronic: true, lines: [drug(100)] }),
    x('C2', 'PC2', 'XC2', '02 09:00:00', { chronic: true, lines: [drug(90)] }),
    x('O1', 'PO', 'XO', '01 09:00:00', { chronic: true, lines: [drug(30, 'Z2')] }),
    x('O2', 'PO', 'XO', '10 09:00:00', { chronic: true, lines: [drug(30, 'Z2')] }),
    x('N1', 'PN', 'XO', '01 09:00:00', { chronic: true, lines: [drug(30, 'Z3')] }),
    x('N2', 'PN', 'XO', '20 09:00:00', { chronic: true, lines: [drug(30, 'Z3')] }),
    // near misses: a drug billed twice in one visit does not overlap itself; a reversed visit supplies nothing
    x('Q1', 'PQ', 'XO', '01 09:00:00', { chronic: true, lines: [drug(30, 'Z4'), drug(30, 'Z4')] }),
    x('V1', 'PV', 'XO', '01 09:00:00', { chronic: true, lines: [drug(30, 'Z5')], reversed: true }),
    x('V2', 'PV', 'XO', '10 09:00:00', { chronic: true, lines: [drug(30, 'Z5')] }),
    x('S1', 'PS', 'XS', '05 09:00:00'),
    x('S2', 'PS', 'XS', '05 15:00:00'),
    x('S3', 'PS2', 'XS', '05 09:00:00'),
    x('S4', 'PS2', 'XS2', '05 15:00:00'),
    x('T1', 'PT', 'XT', '06 10:00:00', { city: '140500' }),
    x('T2', 'PT', 'XT2', '06 10:30:00', { city: '140100' }),
    x('T3', 'PT2', 'XT', '06 10:00:00', { city: '140500' }),
    x('T4', 'PT2', 'XT2', '06 11:30:00', { city: '140100' }),
    ...many('DL', 81, 'DLOAD', 'XD', '07'),
    ...many('DM', 80, 'DOK', 'XD2', '07'),
    ...['08', '09', '10', '11'].flatMap((d) => [x(`VA${d}`, 'PVA', 'XV', `${d} 09:00:00`), x(`VB${d}`, 'PVB', 'XV', `${d} 09:30:00`)]),
    ...['08', '09', '10'].flatMap((d) => [x(`VC${d}`, 'PVC', 'XV2', `${d} 09:00:00`), x(`VD${d}`, 'PVD', 'XV2', `${d} 09:30:00`)]),
    x('K1', 'PK1', 'XK', '12 09:00:00', { lines: [{ type: '03', amt: 8000 }, { type: '04', amt: 3000 }, { type: '04', amt: 2000 }] }),
    x('K2', 'PK2', 'XK2', '12 09:00:00', { lines: [{ type: '03', amt: 8000 }, { type: '04', amt: 3000 }] }),
    x('E1', 'PE1', 'XE1', '13 09:00:00', { designated: false }),
    x('E1n', 'PE1n', 'XE1n', '13 09:00:00', { designated: false, emergency: true }),
    x('E2', 'PE2', 'XE2', '13 09:00:00', { type: 'pharmacy', rx: false }),
    x('E2n', 'PE2n', 'XE2n', '13 09:00:00', { type: 'pharmacy', rx: true }),
    x('E3', 'PE3', 'XE3', '13 09:00:00', { hasCard: false }),
    x('E3n', 'PE3n', 'XE3n', '13 09:00:00', { hasCard: false, fund: 0 }),
    x('E4', 'PE4', 'XE4', '13 09:00:00', { suspended: true }),
    x('E5', 'PE5', 'XE5', '13 09:00:00', { inpatient: true }),
    x('E6', 'PE6', 'XE6', '13 09:00:00', { arrears: true }),
    x('E7', 'PE7', 'XE7', '13 09:00:00', { outOfArea: true }),
    x('PD1', 'PPD1', 'XP1', '14 09:00:00', { fund: 5000 }),
    x('PD2', 'PPD2', 'XP2', '14 09:00:00', { fund: 5000 }),
    x('SU1', 'PSU', 'XSU', '15 09:00:00'),
    { ...x('SU2', 'PSU', 'XSU', '15 09:00:00'), time: '2024-04-01 09:00:00+08' },
    ...Array.from({ length: 90 }, (_, k): Visit => ({ id: `RX${k}`, psn: `PRX${k}`, inst: 'H2', time: `2024-03-${16 + (k % 2)} 0${k % 10}:${String(k % 60).padStart(2, "0")}:00+08`, lv: 2, medfee: 10000, ownpay: Math.round(10000 * 0.08), lines: [{ type: '02', amt: 2000 }, { type: '03', amt: 1000 }, { type: '09', amt: 7000, days: 5, drug: 'X1', dr: 'DTOP' }] })),
    // 430100: five level-1 hospitals and one level-3 hospital (K9, 30 % self-pay): its own group is too small to rank,
    // so it is ranked among the region's hospitals; 152501 has only two hospitals in all: nobody is ranked there
    ...background('2024-03', 5, 40, { prefix: 'K' }).map((v): Visit => ({ ...v, region: '430100', inst: v.inst.replace('H', 'K'), psn: `K${v.psn}`, lv: 1 })),
    ...background('2024-03', 1, 40, { prefix: 'K9' }).map((v): Visit => ({ ...v, region: '430100', inst: 'K9', psn: `K9${v.psn}`, lv: 3, ownpay: Math.round((v.medfee ?? 0) * 0.3) })),
    ...background('2024-03', 2, 40, { prefix: 'E' }).map((v, k): Visit => ({ ...v, region: '152501', inst: v.inst.replace('H', 'E'), psn: `E${v.psn}`, ownpay: v.inst === 'H1' && k % 2 ? Math.round((v.medfee ?? 0) * 0.3) : v.ownpay })),
    // near miss for IND-GROWTH: 次均费用 +70 % in March from two 1,500-yuan visits among 40, the typical visit unchanged
    ...['2024-02', '2024-03'].flatMap((mo) =>
      Array.from({ length: 40 }, (_, j): Visit => {
        const medfee = mo === '2024-03' && j < 2 ? 150000 : 10000 + (j % 11) * 100;
        const consult = Math.round(medfee * 0.2);
        const exam = Math.round(medfee * 0.1);
        const lines = [{ type: '02', amt: consult }, { type: '03', amt: exam }, { type: '09', amt: medfee - consult - exam, days: 5, drug: 'X1', dr: `D-HN-${j % 3}` }];
        return { id: `HN${mo}-${j}`, psn: `PHN${j}`, inst: 'HN', time: `${mo}-${String(1 + (j % 27)).padStart(2, '0')} 10:${String(j % 60).padStart(2, '0')}:00+08`, medfee, ownpay: Math.round(medfee * 0.05), lines };
      }),
    ),
    // near miss: the only doctor of a clinic as busy as DTOP, without colleagues to stand out from
    ...Array.from({ length: 90 }, (_, k): Visit => ({ id: `SO${k}`, psn: `PSO${k}`, inst: 'HSOLO', time: `2024-03-${18 + (k % 3)} 0${k % 10}:${String(k % 60).padStart(2, "0")}:00+08`, lv: 2, medfee: 10000, ownpay: 500, lines: [{ type: '02', amt: 2000 }, { type: '03', amt: 1000 }, { type: '09', amt: 7000, days: 5, drug: 'X1', dr: 'DSOLO' }] })),
    ...Array.from({ length: 10 }, (_, k) => x(`F${k}`, 'PF', 'XF', `${String(k + 1).padStart(2, '0')} 11:00:00`, { medfee: 200000, fund: 100000, lines: [drug(3, `F${k}`, 200000)] })),
    ...Array.from({ length: 5 }, (_, k) => x(`G${k}`, 'PG', 'XG', `${String(k + 1).padStart(2, '0')} 11:00:00`, { medfee: 30000, fund: 15000, lines: [drug(3, `G${k}`, 30000)] })),
    x('B1', 'PB1', 'XB', '17 09:00:00', { fund: 150000, medfee: 300000, lines: [drug(3, 'B', 300000)] }),
    x('B2', 'PB2', 'XB2', '17 09:00:00', { fund: 150000, medfee: 300000, lines: [drug(3, 'B', 300000)] }),
    ...[1, 2, 3].map((d) => x(`CO${d}`, 'PCO', 'XPH', `1${d} 12:00:00`, { type: 'pharmacy', rx: true, medfee: 30000, lines: [drug(5, 'CASH', 30000)] })),
    ...[1, 2].map((d) => x(`CN${d}`, 'PCN', 'XPH', `1${d} 12:00:00`, { type: 'pharmacy', rx: true, medfee: 30000, lines: [drug(5, 'CASH', 30000)] })),
  ];
  await insertVisits(db, [...bg, ...anomalies]);
  const c = db.$client;
  // As re-adjudication writes them: the expected fund payment beside the settled hifp_pay (5000 fen).
  await c.query(`insert into adjudications (admdvs, setl_id, setl_time, psn_no, fund_pay, settled_fund_pay, clause) values
    ('140500', 'PD1', '2024-03-14 09:00:00+08', 'PPD1', 4800, 5000, 'x'), ('140500', 'PD2', '2024-03-14 09:00:00+08', 'PPD2', 4900, 5000, 'x')`);
  await c.query(`insert into suspensions (region_code, psn_no, start_date, end_date) values ('140500', 'PSU', '2024-03-01', '2024-04-01')`);
  await c.query(`insert into institutions (region_code, fixmedins_code, fixmedins_name, fixmedins_type, hosp_lv, annual_budget) values
    ('140500', 'XB', '超预算卫生院', 'hospital', 1, 100000), ('140500', 'XB2', '预算充足卫生院', 'hospital', 1, 1000000)`);
  await refreshIndicators(db, { months: [], regionCodes: [], full: true });
  await runRules(db, { months: [], regionCodes: [], full: true });
  alerts = (await c.query<A>('select * from alerts')).rows;
}, 120_000);

describe('visit-window rules', () => {
  it('RX-DAYS-ORD flags 20 days, not 14 (14 is a warning)', () => {
    expect(find('RX-DAYS-ORD', 'XR')?.evidence.setl_ids).toEqual(['R1']);
    expect(find('RX-DAYS-ORD', 'XR')?.result_type).toBe('violation');
    expect(ids('RX-DAYS-ORD')).toEqual(['R1']);
    expect(find('RX-DAYS-ORD-WARN', 'XR2')?.evidence.setl_ids).toEqual(['R2']);
    expect(find('RX-DAYS-ORD', 'XR')?.explanation).toMatch(/^机构 XR 2024年3月 有 1 笔普通疾病处方用药天数超过最长 14 天（最长 20 天）.*晋市医保发〔2022〕22号四 备注3/);
  });
  it('RX-DAYS-CHR flags 100 days, not 90', () => {
    expect(ids('RX-DAYS-CHR')).toEqual(['C1']);
    expect(ids('RX-DAYS-CHR-WARN')).toEqual(['C2']);
  });
  it('RX-OVERLAP flags a 21-day overlap, not 11, nor a drug billed twice in one visit, nor a reversed visit', () => {
    expect(ids('RX-OVERLAP')).toEqual(['O2']);
    expect(find('RX-OVERLAP', 'PO')?.value).toBe(21);
  });
  it('SPLIT-VISIT flags the same institution twice a day, not two institutions', () => {
    expect(ids('SPLIT-VISIT')).toEqual(['S1', 'S2']);
  });
  it('TWO-PLACES flags two cities 30 minutes apart, not 90', () => {
    expect(ids('TWO-PLACES').sort()).toEqual(['T1', 'T2']);
  });
  it('DR-DAY-LOAD flags 81 visits a day, not 80', () => {
    expect(alerts.filter((a) => a.rule_id === 'DR-DAY-LOAD').map((a) => a.subject_id)).toEqual(['DLOAD']);
  });
  it('CO-VISIT flags a pair together on 4 days in a quarter, not 3', () => {
    expect(alerts.filter((a) => a.rule_id === 'CO-VISIT').map((a) => [a.subject_id, a.period_key])).toEqual([['XV', '2024-Q1']]);
  });
  it('CHECKUP flags a 3-item exam-only visit, not a 2-item one', () => {
    expect(ids('CHECKUP')).toEqual(['K1']);
  });
  it('each EXCL-* flags its claim with fund paid; emergency, a designated rx or no fund payment are near misses', () => {
    expect(ids('EXCL-NON-DESIGNATED')).toEqual(['E1']);
    expect(ids('EXCL-PHARMACY-NO-RX')).toEqual(['E2']);
    expect(ids('EXCL-NO-CARD')).toEqual(['E3']);
    expect(ids('EXCL-SUSPENDED')).toEqual(['E4']);
    expect(ids('EXCL-INPATIENT')).toEqual(['E5']);
    expect(ids('EXCL-ARREARS')).toEqual(['E6']);
    expect(ids('EXCL-OUT-OF-AREA')).toEqual(['E7']);
  });
  it('PAY-DIFF flags 2 yuan over the re-adjudicated amount, not 1 yuan', () => {
    expect(ids('PAY-DIFF')).toEqual(['PD1']);
    expect(find('PAY-DIFF', 'XP1')?.value).toBe(200);
  });
  it('SUSPENDED flags a claim inside a suspension, not on its (exclusive) end date', () => {
    expect(ids('SUSPENDED')).toEqual(['SU1']);
  });
  it('CASH-OUT flags 3 same-drug purchases at one pharmacy, not 2', () => {
    expect(alerts.filter((a) => a.rule_id === 'CASH-OUT').map((a) => a.subject_id)).toEqual(['PCO']);
  });
});

describe('indicator rules', () => {
  it('IND-GROWTH flags +60 %, not +20 %', () => {
    const a = find('IND-GROWTH', 'H5');
    expect(a).toBeDefined();
    expect(a?.value).toBeCloseTo(0.6, 1);
    expect(alerts.filter((x) => x.rule_id === 'IND-GROWTH').map((x) => x.subject_id)).toEqual(['H5']);
    expect(a?.explanation).toMatch(/^机构 H5 2024年3月 次均费用 \d+\.\d\d 元（上月 \d+\.\d\d 元，环比 6\d\.\d%）；单次就诊费用的几何均值 \d+\.\d\d 元，较前 1 个月 40 人次的 \d+\.\d\d 元增长 6\d\.\d%（阈值 50\.0%），t 值 [\d.]+（≥ 4，偶然出现的可能极小），同统筹区同类机构当月增长中位数 -?0\.\d%，稳健 z 值 [\d.]+，位于第 100 百分位/);
  });
  it('IND-GROWTH of March is re-run when only February is in an incremental scope (February is its baseline)', async () => {
    const c = db.$client;
    await c.query("delete from alert_events where alert_id in (select id from alerts where rule_id = 'IND-GROWTH')");
    await c.query("delete from alerts where rule_id = 'IND-GROWTH'");
    await runRules(db, { months: ['2024-02'], regionCodes: ['140500'] });
    const r = await c.query<{ k: string }>("select subject_id || ':' || period_key as k from alerts where rule_id = 'IND-GROWTH'");
    expect(r.rows.map((x) => x.k)).toEqual(['H5:2024-03']);
  });
  it('IND-GROWTH does not flag 次均费用 +70 % made by two expensive visits (the typical visit did not change)', async () => {
    const r = await db.$client.query<{ mom: number }>("select per_visit_mom as mom from ind_institution_month where fixmedins_code = 'HN' and month = '2024-03-01'");
    expect(r.rows[0]?.mom).toBeGreaterThan(0.5);
    expect(find('IND-GROWTH', 'HN')).toBeUndefined();
  });
  it('IND-SELFPAY flags the 30 % self-pay institution, not the 8 % runner-up', () => {
    expect(alerts.filter((x) => x.rule_id === 'IND-SELFPAY' && x.period_key === '2024-03').map((x) => x.subject_id).sort()).toEqual(['H3', 'K9']);
    expect(find('IND-SELFPAY', 'H3')?.explanation).toContain('同级同类机构中位数');
  });
  it('a subject whose own peer group is too small is ranked among its type in the region, and says so', () => {
    expect(find('IND-SELFPAY', 'K9')?.explanation).toContain('同类（同级同类不足 5 家，放宽至同类型）机构中位数 5.0%');
    expect(alerts.filter((x) => x.subject_id.startsWith('E'))).toEqual([]);
  });
  it("that subject's alert page compares it with the whole type, the group it was ranked in", async () => {
    const r = await db.$client.query<{ id: number; key: string }>(
      "select id, evidence->'extra'->>'peer_key' as key from alerts where rule_id = 'IND-SELFPAY' and subject_id = 'K9' and period_key = '2024-03'",
    );
    const [k9] = r.rows;
    expect(k9?.key).toMatch(/:\*$/);
    const detail = await scoped(db, SYSTEM, (tx) => getAlert(tx, k9?.id ?? 0));
    // its region's institutions that month: few in its own group, more of its type — the page lists the latter
    const own = await db.$client.query<{ n: number; type: number }>(
      `select count(*) filter (where m.peer_key = k.peer_key)::int as n, count(*)::int as type
       from ind_institution_month m
       join ind_institution_month k on k.fixmedins_code = 'K9' and k.month = m.month and k.region_code = m.region_code
       where m.month = '2024-03-01' and split_part(m.peer_key, ':', 1) = split_part(k.peer_key, ':', 1) and m.ownpay_ratio is not null`,
    );
    expect(own.rows[0]?.n).toBeLessThan(5);
    expect(detail?.peers?.values).toHaveLength(own.rows[0]?.type ?? -1);
    expect(detail?.peers?.values.map((v) => v.subjectId)).toContain('K9');
  });
  it('IND-EXAM flags the 60 % exam share', () => {
    expect(alerts.filter((x) => x.rule_id === 'IND-EXAM').map((x) => x.subject_id)).toEqual(['H1']);
  });
  it('IND-PERCAP flags the high per-capita institution in both months, nobody else', () => {
    expect(alerts.filter((x) => x.rule_id === 'IND-PERCAP').map((x) => `${x.subject_id}:${x.period_key}`).sort()).toEqual(['H0:2024-02', 'H0:2024-03']);
  });
  it('TOP-RX flags the doctor with 90 prescriptions (2.25× the median), not the ordinary ones', () => {
    // H0's doctor stands out by amount only (the whole hospital costs 2.5×): count and amount must both rank high.
    // DSOLO writes as many as DTOP but is the only doctor of HSOLO: no colleague to stand out from.
    const top = alerts.filter((x) => x.rule_id === 'TOP-RX' && x.period_key === '2024-03');
    expect(top.map((x) => x.subject_id)).toEqual(['DTOP']);
    expect(find('TOP-RX', 'DTOP', '2024-03')?.explanation).toMatch(/同机构其他 3 名医师当月平均 \d+(\.\d)? 张/);
  });
  it('TOP-FUND flags 1000 yuan of fund use far above peers, not 750 yuan', () => {
    const top = alerts.filter((x) => x.rule_id === 'TOP-FUND').map((x) => `${x.subject_id}:${x.period_key}`);
    expect(top).toContain('PF:2024');
    // value, threshold and median in one unit (policy-range cost, fen): the threshold is 5× the median
    const pf = find('TOP-FUND', 'PF', '2024');
    expect(pf?.value).toBe(2000000);
    expect(pf?.threshold).toBeCloseTo(5 * (pf?.peer_median ?? 0), 6);
    expect(pf?.explanation).toContain('统筹基金已支付 10,000.00 元');
    expect(top).not.toContain('PG:2024');
  });
  it('BUDGET flags fund use over the annual budget, not within it', () => {
    expect(alerts.filter((x) => x.rule_id === 'BUDGET').map((x) => `${x.subject_id}:${x.period_key}`)).toEqual(['XB:2024']);
    expect(find('BUDGET', 'XB', '2024')?.explanation).toContain('超预算卫生院');
  });
});

describe('explanation templates', () => {
  it('every {th.key} of a template is a threshold the rule records, and the text shows the value the run used', () => {
    for (const r of allRules) {
      for (const m of r.template.matchAll(/\{th\.([A-Za-z]+)%?\}/g)) expect(r.thresholds, `${r.id}: ${m[1]}`).toContain(m[1]);
    }
    const percap = allRules.find((r) => r.id === 'IND-PERCAP');
    const finding = { region_code: '140500', subject_type: 'institution' as const, subject_id: 'H0', period_key: '2024-03', period_start: '2024-03-01', period_end: '2024-03-31', extra: { peer_group: '同级同类' } };
    const text = percap ? explain(percap, finding, { peerPercentile: { value: 0.95 }, robustZ: { value: 2.5 } }) : '';
    expect(text).toContain('（阈值：第 95 百分位且 z ≥ 2.5）');
    expect(find('IND-PERCAP', 'H0')?.explanation).toContain('（阈值：第 90 百分位且 z ≥ 3）');
  });
});
