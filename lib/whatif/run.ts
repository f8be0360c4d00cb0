/**
 * What a scenario would have cost the fund: the loaded visits of a region and period re-adjudicated
 * twice in one pass — under the published versions (before) and with the scenario in force (after).
 *
 * Reading is the cost, not the engine, so the visits come as one COPY stream of just the columns the
 * engine reads (the claim's flags packed into one integer), ordered by person and settlement time so the
 * running totals accumulate as they did when settled. Nothing is written.
 *
 * Period and running totals: the annual cap and the deductible accumulate per person and calendar year
 * in settlement order, so the stream starts on 1 January of `from`'s year; visits before `from` move the
 * running totals but are not counted in the reported sums. Reversed settlements (reversed/refd_setl_flag)
 * paid nothing and are skipped, as in the stored adjudications.
 */
import type { PoolClient } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/client';
import type { Actor } from '../db/scoped';
import { env } from '../env';
import { InputError } from '../errors';
import { Adjudicator, type Outcome, type Visit } from '../adjudication/engine';
import type { Policy, PolicySet } from '../policies';
import { overrideSet, scenarioChanges, type ScenarioChange } from './scenario';

export interface WhatifOptions {
  scenario: Policy;
  /** the published version the scenario was drafted from (for the list of changed clauses) */
  basePolicy?: Policy;
  from?: string;
  to?: string;
  /** one pooling area (6 digits) inside the scenario's prefixes; default every area of the prefixes */
  region?: string;
  /** how many most-changed visits and institutions to keep */
  top?: number;
}

export interface Pair {
  before: number;
  after: number;
}
export interface MoneyPair {
  fund: Pair;
  self: Pair;
}

export interface VisitSide {
  policyId: string | null;
  deductible: number;
  eligible: number;
  rateBp: number;
  fundPay: number;
  selfPay: number;
  yearFundPaid: number;
  yearDeductiblePaid: number;
  capped: boolean;
  excluded: string | null;
  clause: string;
  error: string | null;
}

export interface ChangedVisit {
  setlId: string;
  admdvs: string;
  psnNo: string;
  date: string;
  fixmedinsCode: string;
  level: number;
  pharmacy: boolean;
  retired: boolean;
  medfeeSumamt: number;
  before: VisitSide;
  after: VisitSide;
}

export interface WhatifResult {
  scenarioId: string;
  region: string;
  from: string;
  to: string;
  /** visits read, including those of the year before `from` that only move the running totals */
  visitsRead: number;
  visits: number;
  persons: number;
  errors: number;
  total: MoneyPair;
  cappedPersons: Pair;
  byMonth: Array<{ month: string } & MoneyPair>;
  byLevel: Array<{ level: string } & MoneyPair>;
  byPsnType: Array<{ psnType: 'in_service' | 'retired' } & MoneyPair>;
  /** institutions with the largest change of fund pay (absolute), largest first */
  byInstitution: Array<{ code: string; visits: number } & MoneyPair>;
  /** persons' fund pay per calendar year inside the period, counted in buckets of 500 元 */
  distribution: Array<{ label: string; lowFen: number; before: number; after: number }>;
  changed: ChangedVisit[];
  changedVisits: number;
  changes: ScenarioChange[];
  ms: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
function validDate(v: string, field: string): string {
  const t = Date.parse(`${v}T00:00:00Z`);
  if (!DATE.test(v) || Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== v) throw new InputError(`日期无效 (not a date YYYY-MM-DD): ${v}`, { field });
  return v;
}
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

/** The period: given dates, else the scenario's effective dates (ending today at the latest). */
export function whatifPeriod(s: Policy, from?: string, to?: string): { from: string; to: string } {
  const f = from ? validDate(from, 'from') : s.effective_from;
  let t = to ? validDate(to, 'to') : (s.effective_to ?? today());
  if (!to && t > today() && f <= today()) t = today();
  if (t < f) throw new InputError(`结束日期早于开始日期 (to before from): ${f} .. ${t}`, { field: 'to' });
  return { from: f, to: t };
}

const FLAG = { designated: 1, emergency: 2, hasCard: 4, rxKnown: 8, rx: 16, outOfArea: 32, arrears: 64, inpatient: 128, suspended: 256, pharmacy: 512 };
const FLAGS_SQL = `(s.designated::int | (s.emergency::int << 1) | (s.has_card::int << 2) | ((s.rx_from_designated is not null)::int << 3)
  | (coalesce(s.rx_from_designated, false)::int << 4) | (s.out_of_area_temporary::int << 5) | (s.in_arrears::int << 6)
  | (s.inpatient_overlap::int << 7) | (s.suspended::int << 8) | ((s.fixmedins_type = 'pharmacy')::int << 9))`;

/** The COPY of just what the engine reads, for the given areas and [yearStart(from), to], in settlement order. */
export function sourceSql(prefixes: string[], region: string | undefined, from: string, to: string): string {
  for (const p of prefixes) if (!/^\d{2,6}$/.test(p)) throw new InputError(`医保区划前缀无效: ${p}`, { field: 'region_prefixes' });
  const area = region ? `s.admdvs = '${region}'` : `(${prefixes.map((p) => `s.admdvs like '${p}%'`).join(' or ')})`;
  const start = `'${from.slice(0, 4)}-01-01 00:00:00+08'::timestamptz`;
  const end = `('${to} 00:00:00+08'::timestamptz + interval '1 day')`;
  return `copy (select s.admdvs, s.psn_no, s.setl_id, to_char(s.setl_time at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), s.psn_type, s.hosp_lv,
      s.fee_class, s.med_type, s.medfee_sumamt, s.inscp_scp_amt, s.preselfpay_amt, s.fulamt_ownpay_amt, ${FLAGS_SQL}, s.fixmedins_code
    from settlements s
    where ${area} and s.setl_time >= ${start} and s.setl_time < ${end} and not s.reversed and not s.refd_setl_flag
    order by s.admdvs, s.psn_no, s.setl_time, s.setl_id) to stdout`;
}

const side = (o: Outcome): VisitSide => ({
  policyId: o.policyId,
  deductible: o.deductible,
  eligible: o.eligible,
  rateBp: o.rateBp,
  fundPay: o.fundPay,
  selfPay: o.selfPay,
  yearFundPaid: o.yearFundPaid,
  yearDeductiblePaid: o.yearDeductiblePaid,
  capped: o.capped,
  excluded: o.excluded,
  clause: o.clause,
  error: o.error,
});

const BUCKET = 50000; // 500 元
const BUCKETS = 7; // 0, (0,500], …, > 2,500 … capped at the last

function bucketOf(fen: number): number {
  if (fen <= 0) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor((fen - 1) / BUCKET));
}

/** Runs under the actor's region scope (row-level security) on one pooled connection, read only. */
export async function runWhatif(db: Db, actor: Actor, base: PolicySet, opts: WhatifOptions): Promise<WhatifResult> {
  const c = await db.$client.connect();
  try {
    await c.query('begin read only');
    await c.query("select set_config('app.regions', $1, true), set_config('app.user_id', $2, true), set_config('app.actor', $3, true)", [
      actor.regions.join(','),
      String(actor.userId ?? ''),
      actor.name,
    ]);
    if (actor.role !== 'system') await c.query(`set local role ${env().APP_DB_ROLE}`);
    const r = await whatifOnClient(c, base, opts);
    await c.query('commit');
    return r;
  } catch (e) {
    await c.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}

function money(): MoneyPair {
  return { fund: { before: 0, after: 0 }, self: { before: 0, after: 0 } };
}
function add(m: MoneyPair, b: Outcome, a: Outcome) {
  m.fund.before += b.fundPay;
  m.fund.after += a.fundPay;
  m.self.before += b.selfPay;
  m.self.after += a.selfPay;
}
function bump<K>(map: Map<K, MoneyPair>, k: K, b: Outcome, a: Outcome) {
  let m = map.get(k);
  if (!m) map.set(k, (m = money()));
  add(m, b, a);
}

export async function whatifOnClient(c: PoolClient, base: PolicySet, opts: WhatifOptions): Promise<WhatifResult> {
  const t0 = performance.now();
  const s = opts.scenario;
  if (opts.region !== undefined && (!/^\d{6}$/.test(opts.region) || !s.region_prefixes.some((p) => opts.region?.startsWith(p)))) {
    throw new InputError(`地区 ${opts.region} 不在方案适用范围内 (region outside the scenario's prefixes ${s.region_prefixes.join(',')})`, { field: 'region' });
  }
  const { from, to } = whatifPeriod(s, opts.from, opts.to);
  const top = opts.top ?? 50;
  const beforeEngine = new Adjudicator(base);
  const afterEngine = new Adjudicator(overrideSet(base, s));

  const total = money();
  const byMonth = new Map<string, MoneyPair>();
  const byLevel = new Map<string, MoneyPair>();
  const byPsn = new Map<'in_service' | 'retired', MoneyPair>();
  const byInst = new Map<string, MoneyPair & { visits: number }>();
  const distBefore = new Array<number>(BUCKETS).fill(0);
  const distAfter = new Array<number>(BUCKETS).fill(0);
  let changed: ChangedVisit[] = [];
  let threshold = 0;
  let changedVisits = 0;
  let visitsRead = 0;
  let visits = 0;
  let persons = 0;
  let errors = 0;
  const capped = { before: 0, after: 0 };

  // per person (and year, for the distribution)
  let lastPerson = '';
  let inPeriod = false;
  let capB = false;
  let capA = false;
  let year = '';
  let yearB = 0;
  let yearA = 0;
  let yearSeen = false;
  const flushYear = () => {
    if (yearSeen) {
      distBefore[bucketOf(yearB)] = (distBefore[bucketOf(yearB)] ?? 0) + 1;
      distAfter[bucketOf(yearA)] = (distAfter[bucketOf(yearA)] ?? 0) + 1;
    }
    yearB = 0;
    yearA = 0;
    yearSeen = false;
  };
  const flushPerson = () => {
    flushYear();
    if (inPeriod) persons++;
    if (capB) capped.before++;
    if (capA) capped.after++;
    inPeriod = capB = capA = false;
  };
  const retiredCache = new Map<string, boolean>();
  const retiredOf = (t: string): boolean => {
    let r = retiredCache.get(t);
    if (r === undefined) {
      if (t === 'retired' || /^1[23]\d{0,2}$/.test(t)) r = true;
      else if (t === 'in_service' || /^11\d{0,2}$/.test(t)) r = false;
      else throw new InputError(`人员类别无效 (unknown psn_type) ${JSON.stringify(t)}`, { field: 'psn_type' });
      retiredCache.set(t, r);
    }
    return r;
  };

  const row = (line: string) => {
    const f = line.split('\t');
    const admdvs = f[0] ?? '';
    const psnNo = f[1] ?? '';
    const date = f[3] ?? '';
    const person = `${admdvs}|${psnNo}`;
    if (person !== lastPerson) {
      flushPerson();
      beforeEngine.reset();
      afterEngine.reset();
      lastPerson = person;
      year = '';
    }
    const flags = Number(f[12]);
    const feeClass = f[6] === '\\N' || f[6] === undefined ? null : Number(f[6]);
    const medType = f[7] ?? '11';
    const v: Visit = {
      setlId: f[2] ?? '',
      psnNo,
      retired: retiredOf(f[4] ?? ''),
      admdvs,
      date,
      pharmacy: (flags & FLAG.pharmacy) !== 0,
      level: Number(f[5]),
      feeClass,
      medType,
      medfeeSumamt: Number(f[8]),
      inscpScpAmt: Number(f[9]),
      preselfpayAmt: Number(f[10]),
      fulamtOwnpayAmt: Number(f[11]),
      designated: (flags & FLAG.designated) !== 0,
      emergency: (flags & FLAG.emergency) !== 0 || medType === '13',
      hasCard: (flags & FLAG.hasCard) !== 0,
      rxFromDesignated: (flags & FLAG.rxKnown) !== 0 ? (flags & FLAG.rx) !== 0 : null,
      outOfAreaTemporary: (flags & FLAG.outOfArea) !== 0,
      inArrears: (flags & FLAG.arrears) !== 0,
      inpatientOverlap: (flags & FLAG.inpatient) !== 0,
      suspended: (flags & FLAG.suspended) !== 0,
    };
    visitsRead++;
    const b = beforeEngine.adjudicate(v);
    const a = afterEngine.adjudicate(v);
    if (date < from || date > to) return;
    visits++;
    if (b.error || a.error) errors++;
    inPeriod = true;
    if (b.capped || b.excluded === 'above_cap') capB = true;
    if (a.capped || a.excluded === 'above_cap') capA = true;
    const y = date.slice(0, 4);
    if (y !== year) {
      flushYear();
      year = y;
    }
    yearSeen = true;
    yearB += b.fundPay;
    yearA += a.fundPay;
    add(total, b, a);
    bump(byMonth, date.slice(0, 7), b, a);
    bump(byLevel, v.pharmacy ? 'pharmacy' : String(Math.min(Math.max(v.level, 1), 3)), b, a);
    bump(byPsn, v.retired ? 'retired' : 'in_service', b, a);
    const code = f[13] ?? '';
    let inst = byInst.get(code);
    if (!inst) byInst.set(code, (inst = { ...money(), visits: 0 }));
    inst.visits++;
    add(inst, b, a);
    const d = Math.abs(a.fundPay - b.fundPay);
    if (d > 0) {
      changedVisits++;
      if (d >= threshold) {
        changed.push({ setlId: v.setlId, admdvs, psnNo, date, fixmedinsCode: code, level: v.level, pharmacy: v.pharmacy, retired: v.retired, medfeeSumamt: v.medfeeSumamt, before: side(b), after: side(a) });
        if (changed.length >= top * 4) {
          changed = sortChanged(changed).slice(0, top);
          threshold = Math.abs((changed[changed.length - 1]?.after.fundPay ?? 0) - (changed[changed.length - 1]?.before.fundPay ?? 0));
        }
      }
    }
  };

  const stream = c.query(copyTo(sourceSql(s.region_prefixes, opts.region, from, to)));
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + chunk.toString('utf8');
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (nl > start) row(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  if (rest) row(rest);
  flushPerson();

  const pairs = <K extends string>(m: Map<K, MoneyPair>) => [...m.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const delta = (m: MoneyPair) => Math.abs(m.fund.after - m.fund.before);
  return {
    scenarioId: s.id,
    region: opts.region ?? s.region_prefixes.join(','),
    from,
    to,
    visitsRead,
    visits,
    persons,
    errors,
    total,
    cappedPersons: capped,
    byMonth: pairs(byMonth).map(([month, m]) => ({ month, ...m })),
    byLevel: pairs(byLevel).map(([level, m]) => ({ level, ...m })),
    byPsnType: pairs(byPsn).map(([psnType, m]) => ({ psnType, ...m })),
    byInstitution: [...byInst.entries()]
      .map(([code, m]) => ({ code, ...m }))
      .sort((x, y) => delta(y) - delta(x) || (x.code < y.code ? -1 : 1))
      .slice(0, top),
    distribution: distBefore.map((n, i) => ({
      label: i === 0 ? '0 元' : i === BUCKETS - 1 ? `${((i - 1) * BUCKET) / 100} 元以上` : `${((i - 1) * BUCKET) / 100}–${(i * BUCKET) / 100} 元`,
      lowFen: i === 0 ? 0 : (i - 1) * BUCKET,
      before: n,
      after: distAfter[i] ?? 0,
    })),
    changed: sortChanged(changed).slice(0, top),
    changedVisits,
    changes: opts.basePolicy ? scenarioChanges(opts.basePolicy, s) : [],
    ms: Math.round(performance.now() - t0),
  };
}

function sortChanged(list: ChangedVisit[]): ChangedVisit[] {
  return list.sort((x, y) => Math.abs(y.after.fundPay - y.before.fundPay) - Math.abs(x.after.fundPay - x.before.fundPay) || (x.setlId < y.setlId ? -1 : 1));
}
