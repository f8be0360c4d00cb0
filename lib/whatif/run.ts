/**
 * What a scenario would have cost the fund: the loaded visits of a region and period re-adjudicated
 * twice in one pass — under the published versions (before) and with the scenario in force (after).
 *
 * Reading is the cost, not the engine, so the visits come as one COPY stream of just the columns the
 * engine reads, ordered by person and settlement time so the running totals accumulate as they did when
 * settled, into typed arrays that the page keeps in this process (./visits.ts). Nothing is written.
 *
 * Period and running totals: the annual cap and the deductible accumulate per person and calendar year
 * in settlement order, so the stream starts on 1 January of `from`'s year; visits before `from` move the
 * running totals but are not counted in the reported sums. Reversed settlements (reversed/refd_setl_flag)
 * paid nothing and are skipped, as in the stored adjudications.
 */
import type { PoolClient } from 'pg';
import type { Db } from '../db/client';
import type { Actor } from '../db/scoped';
import { scopedClient } from '../db/scoped-client';
import { InputError } from '../errors';
import { Adjudicator, type Outcome, type Visit } from '../adjudication/engine';
import type { Policy, PolicySet } from '../policies';
import { overrideSet, scenarioChanges, type ScenarioChange } from './scenario';
import { cachedVisits, FLAG } from './visits';

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
  /** keep the region's visits in this process for the next what-if (the page); default false */
  cache?: boolean;
}

export interface Pair {
  before: number;
  after: number;
}
export interface MoneyPair {
  fund: Pair;
  self: Pair;
}

/** One side (policy in force or scenario) of a visit's re-adjudication: the engine's outcome without its id. */
export type VisitSide = Omit<Outcome, 'setlId'>;

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
  /** the visits came from this process's cache (no database read) */
  cached: boolean;
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
  const shareable = actor.regions.includes('*') || (opts.region !== undefined && actor.regions.includes(opts.region));
  return scopedClient(db, actor, (c) => whatifOnClient(c, base, opts, shareable), { readOnly: true });
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

export async function whatifOnClient(c: PoolClient, base: PolicySet, opts: WhatifOptions, shareable = false): Promise<WhatifResult> {
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
  const fromYear = Number(from.slice(0, 4));
  // the page reads every year of the region once and keeps it; otherwise just the years of the period
  const { cols, cached } = await cachedVisits(c, { prefixes: s.region_prefixes, region: opts.region, years: opts.cache ? null : [fromYear, Number(to.slice(0, 4))] }, opts.cache === true && shareable);
  const yearStart = `${fromYear}-01-01`;
  // One mutable visit fed to both engines (they read it and keep nothing of it).
  const v: Visit = {
    setlId: '', psnNo: '', retired: false, admdvs: '', date: '', pharmacy: false, level: 1, feeClass: null, medType: '11', medfeeSumamt: 0, inscpScpAmt: 0,
    preselfpayAmt: 0, fulamtOwnpayAmt: 0, designated: true, emergency: false, hasCard: true, rxFromDesignated: null, outOfAreaTemporary: false,
    inArrears: false, inpatientOverlap: false, suspended: false,
  };
  let lastPersonIdx = -1;
  for (let i = 0; i < cols.n; i++) {
    const date = cols.dates[cols.date[i] ?? 0] ?? '';
    if (date < yearStart || date > to) continue;
    const pi = cols.person[i] ?? 0;
    if (pi !== lastPersonIdx) {
      flushPerson();
      beforeEngine.reset();
      afterEngine.reset();
      lastPersonIdx = pi;
      year = '';
    }
    const flags = cols.flags[i] ?? 0;
    const medType = cols.medTypes[cols.medType[i] ?? 0] ?? '11';
    const fc = cols.feeClass[i] ?? 0;
    v.setlId = cols.setlId[i] ?? '';
    v.psnNo = cols.personNo[pi] ?? '';
    v.admdvs = cols.personAdmdvs[pi] ?? '';
    v.retired = cols.retired[i] === 1;
    v.date = date;
    v.pharmacy = (flags & FLAG.pharmacy) !== 0;
    v.level = cols.level[i] ?? 1;
    v.feeClass = fc === 0 ? null : fc;
    v.medType = medType;
    v.medfeeSumamt = cols.medfee[i] ?? 0;
    v.inscpScpAmt = cols.inscp[i] ?? 0;
    v.preselfpayAmt = cols.presel[i] ?? 0;
    v.fulamtOwnpayAmt = cols.fulamt[i] ?? 0;
    v.designated = (flags & FLAG.designated) !== 0;
    v.emergency = (flags & FLAG.emergency) !== 0 || medType === '13';
    v.hasCard = (flags & FLAG.hasCard) !== 0;
    v.rxFromDesignated = (flags & FLAG.rxKnown) !== 0 ? (flags & FLAG.rx) !== 0 : null;
    v.outOfAreaTemporary = (flags & FLAG.outOfArea) !== 0;
    v.inArrears = (flags & FLAG.arrears) !== 0;
    v.inpatientOverlap = (flags & FLAG.inpatient) !== 0;
    v.suspended = (flags & FLAG.suspended) !== 0;
    visitsRead++;
    const b = beforeEngine.adjudicate(v);
    const a = afterEngine.adjudicate(v);
    if (date < from) continue;
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
    const code = cols.institutions[cols.inst[i] ?? 0] ?? '';
    let inst = byInst.get(code);
    if (!inst) byInst.set(code, (inst = { ...money(), visits: 0 }));
    inst.visits++;
    add(inst, b, a);
    const d = Math.abs(a.fundPay - b.fundPay);
    if (d > 0) {
      changedVisits++;
      if (d >= threshold) {
        changed.push({ setlId: v.setlId, admdvs: v.admdvs, psnNo: v.psnNo, date, fixmedinsCode: code, level: v.level, pharmacy: v.pharmacy, retired: v.retired, medfeeSumamt: v.medfeeSumamt, before: side(b), after: side(a) });
        if (changed.length >= top * 4) {
          changed = sortChanged(changed).slice(0, top);
          threshold = Math.abs((changed[changed.length - 1]?.after.fundPay ?? 0) - (changed[changed.length - 1]?.before.fundPay ?? 0));
        }
      }
    }
  }
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
    cached,
  };
}

function sortChanged(list: ChangedVisit[]): ChangedVisit[] {
  return list.sort((x, y) => Math.abs(y.after.fundPay - y.before.fundPay) - Math.abs(x.after.fundPay - x.before.fundPay) || (x.setlId < y.setlId ? -1 : 1));
}
