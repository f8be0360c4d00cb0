/**
 * Re-adjudication of outpatient pooling visits: pure, no database, no framework.
 *
 * For each visit, in time order per person, under the policy in force for its region and local date:
 *   eligible   = inscp_scp_amt − preselfpay_amt (乙类先行自付); 全自费 is never eligible
 *   deductible = min(eligible, the visit's deductible still owed this year)
 *   fund_pay   = min(round((eligible − deductible) × rate), cap − fund paid this year), never < 0
 * Running totals (fund paid, deductible paid) are per person and calendar year and survive a policy
 * change inside the year (晋医保发〔2024〕11号, 2024-07-01).
 *
 * Rounding (the one rule): amounts are integer fen; the product (eligible − deductible) × rate is
 * rounded half up to the fen once, before the cap is applied. Rates are basis points.
 *
 * Separate benefits: a med_type listed in the policy's `separate_benefits` (门诊慢特病, med_type 14) is
 * not paid by the ordinary pooling fund. Where the document gives that benefit's rates (Hunan,
 * 湘政办发〔2022〕12号 二(二): 80 % / 85 %) the engine computes it — no deductible, no cap given by the
 * document, and it neither reads nor moves the ordinary pooling running totals; elsewhere the visit is
 * excluded as `separate_benefit` (晋市医保发〔2022〕22号 四 情形7).
 *
 * Hot path: policy lookups are cached per (region, date) and each policy is compiled once into flat
 * numbers and pre-joined clause strings, so a visit costs a few map lookups and no string building.
 */
import { policyFor, PolicyNotFound, type ExclusionCode, type Policy, type PolicySet } from '../policies';

export interface Visit {
  setlId: string;
  psnNo: string;
  retired: boolean;
  admdvs: string;
  /** local (Asia/Shanghai) calendar date, YYYY-MM-DD */
  date: string;
  pharmacy: boolean;
  /** 1 | 2 | 3 */
  level: number;
  feeClass: number | null;
  medType: string;
  medfeeSumamt: number;
  inscpScpAmt: number;
  preselfpayAmt: number;
  fulamtOwnpayAmt: number;
  designated: boolean;
  emergency: boolean;
  hasCard: boolean;
  rxFromDesignated: boolean | null;
  outOfAreaTemporary: boolean;
  inArrears: boolean;
  inpatientOverlap: boolean;
  suspended: boolean;
}

export interface Outcome {
  setlId: string;
  policyId: string | null;
  deductible: number;
  eligible: number;
  rateBp: number;
  fundPay: number;
  selfPay: number;
  yearFundPaid: number;
  yearDeductiblePaid: number;
  capped: boolean;
  excluded: ExclusionCode | null;
  clause: string;
  error: string | null;
}

interface Totals {
  psnNo: string;
  year: string;
  fund: number;
  deductible: number;
}

/** Round half up of a × bp / 10000 for non-negative integers (exact: a × bp stays far below 2^53). */
export function applyRate(amountFen: number, rateBp: number): number {
  return Math.floor((amountFen * rateBp + 5000) / 10000);
}

type Key = '1' | '2' | '3' | 'pharmacy';
const KEYS: readonly Key[] = ['1', '2', '3', 'pharmacy'];
/** index into the compiled arrays: 0..2 = class/level 1..3, 3 = pharmacy */
function keyIndex(p: Policy, v: Visit): number {
  if (v.pharmacy) return 3;
  if (p.basis === 'fee_class') {
    // 收费类别 missing: inferred from level (三级 → 一类, 二级 → 二类, 一级 → 三类), as the policy file says.
    const fc = v.feeClass ?? (v.level >= 3 ? 1 : v.level === 2 ? 2 : 3);
    return fc - 1;
  }
  return Math.min(Math.max(v.level, 1), 3) - 1;
}

const WHY: readonly (ExclusionCode | null)[] = [null, 'out_of_catalogue', 'above_cap', 'below_deductible'];

/** A policy reduced to the numbers the hot path needs, with its clause strings built once. */
class Compiled {
  private readonly cite: (c: { doc: string; clause: string }) => string;
  readonly rateInService: number[];
  readonly rateRetired: number[];
  readonly perVisit: number[];
  readonly annualDeductible: number;
  readonly deductibleCap: number;
  readonly capInService: number;
  readonly capRetired: number;
  /** what-if scenario switches (absent in published versions): pharmacies outside the fund / outside the cap */
  readonly pharmacyCovered: boolean;
  readonly pharmacyCapped: boolean;
  readonly separate = new Map<string, { inService: number; retired: number; clause: string } | null>();
  private readonly exclusionClause = new Map<ExclusionCode, string>();
  private readonly clauses: string[] = [];

  constructor(
    readonly p: Policy,
    set: PolicySet,
  ) {
    this.cite = (c) => citeLabel(set, c);
    this.rateInService = KEYS.map((k) => p.rates_bp.in_service[k] ?? p.rates_bp.in_service['3'] ?? 0);
    this.rateRetired = KEYS.map((k) => p.rates_bp.retired[k] ?? p.rates_bp.retired['3'] ?? 0);
    const d = p.deductible;
    this.perVisit = d.mode === 'per_visit' ? KEYS.map((k) => d.amounts_fen[k] ?? d.amounts_fen['3'] ?? 0) : [0, 0, 0, 0];
    this.annualDeductible = d.mode === 'annual' ? d.annual_fen : -1;
    this.deductibleCap = d.mode === 'per_visit' && d.annual_cap_fen !== null ? d.annual_cap_fen : -1;
    this.capInService = p.annual_cap_fen.in_service;
    this.capRetired = p.annual_cap_fen.retired;
    this.pharmacyCovered = p.pharmacies_covered !== false;
    this.pharmacyCapped = p.annual_cap_fen.pharmacy_counts !== false;
    for (const e of p.exclusions) if (!this.exclusionClause.has(e.code)) this.exclusionClause.set(e.code, this.cite(e.cite));
    for (const b of p.separate_benefits) {
      this.separate.set(b.med_type, b.rates_bp ? { inService: b.rates_bp.in_service, retired: b.rates_bp.retired, clause: this.cite(b.cite) } : null);
    }
    // Every combination of (deductible reduced by its annual cap, capped, why) → one joined clause.
    for (let mask = 0; mask < 16; mask++) {
      const parts = [this.cite(d.cite), this.cite(p.rates_bp.cite)];
      if (mask & 1 && d.mode === 'per_visit' && d.cap_cite) parts.push(this.cite(d.cap_cite));
      if (mask & 2) parts.push(this.cite(p.annual_cap_fen.cite));
      const why = WHY[mask >> 2];
      if (why) {
        const ex = p.exclusions.find((e) => e.code === why);
        if (ex) parts.push(this.cite(ex.cite));
      }
      this.clauses.push([...new Set(parts)].join('；'));
    }
  }

  clause(dedCapped: boolean, capped: boolean, why: number): string {
    return this.clauses[(dedCapped ? 1 : 0) | (capped ? 2 : 0) | (why << 2)] ?? '';
  }

  exclusion(code: ExclusionCode): string {
    return this.exclusionClause.get(code) ?? this.cite({ doc: this.p.document.number, clause: '' }).trim();
  }
}

/**
 * A citation as printed in `clause`: the short document name (its 文号 where it has one) and the
 * clause. The cite is a document binding the policy's region — its own, a province's read by a city
 * version, or the national regulation (no seed) — so the name comes from the cite's own `(seed NNN)`,
 * resolved to that seed's policy document number. A cite's `reference` (another region's clause, 参照)
 * is never printed here.
 */
export function citeLabel(set: PolicySet, c: { doc: string; clause: string }): string {
  const m = /\(seed (\d+)\)\s*$/.exec(c.doc);
  const owner = m ? set.policies.find((x) => x.document.seed.startsWith(`${m[1]}_`)) : undefined;
  const doc = owner ? owner.document.number : c.doc.replace(/\s*\(seed \d+\)\s*$/, '');
  return `${doc} ${c.clause}`;
}

/** Exclusions a claim can show (晋市医保发〔2022〕22号 四 情形5/9/10/12/13; 南昌细则 第十五条（二）（三）). */
function exclusionOf(v: Visit): ExclusionCode | null {
  if (!v.designated && !v.emergency) return 'non_designated';
  if (!v.hasCard) return 'no_card';
  if (v.pharmacy && v.rxFromDesignated === false) return 'pharmacy_no_rx';
  if (v.outOfAreaTemporary) return 'out_of_area_temporary';
  if (v.inArrears) return 'arrears';
  if (v.suspended) return 'suspended';
  if (v.inpatientOverlap) return 'inpatient_overlap';
  return null;
}

/**
 * Carries running totals across calls, so a person's visits can be fed in order, one at a time.
 * Totals are kept per person and calendar year: a person whose visits come back to an earlier year
 * (input not sorted by year) continues that year's totals. Policy resolution is cached per (region, date).
 */
export class Adjudicator {
  /** the person's totals for the year last seen */
  private current = new Map<string, Totals>();
  /** other years of the same persons, keyed `psn_no|year` (rarely used) */
  private other = new Map<string, Totals>();
  private cache = new Map<string, Map<string, Compiled | string>>();
  private compiled = new Map<Policy, Compiled>();

  constructor(private readonly set: PolicySet) {}

  private lastAdmdvs = '';
  private lastByDate: Map<string, Compiled | string> | undefined;
  private lastTotals: Totals | undefined;

  private policy(admdvs: string, date: string): Compiled | string {
    // consecutive visits are usually the same person, so the same region: skip the outer lookup
    let byDate = admdvs === this.lastAdmdvs ? this.lastByDate : this.cache.get(admdvs);
    if (byDate === undefined) {
      byDate = new Map();
      this.cache.set(admdvs, byDate);
    }
    this.lastAdmdvs = admdvs;
    this.lastByDate = byDate;
    let p = byDate.get(date);
    if (p === undefined) {
      try {
        const found = policyFor(this.set, admdvs, date);
        p = this.compiled.get(found);
        if (!p) {
          p = new Compiled(found, this.set);
          this.compiled.set(found, p);
        }
      } catch (e) {
        if (!(e instanceof PolicyNotFound)) throw e;
        p = e.message;
      }
      byDate.set(date, p);
    }
    return p;
  }

  private totals(psnNo: string, date: string): Totals {
    const last = this.lastTotals;
    if (last !== undefined && last.psnNo === psnNo && date.startsWith(last.year)) return last;
    const year = date.slice(0, 4);
    const t = this.current.get(psnNo);
    if (t !== undefined && t.year === year) return (this.lastTotals = t);
    if (t !== undefined) this.other.set(`${psnNo}|${t.year}`, t);
    const k = `${psnNo}|${year}`;
    let n = this.other.get(k);
    if (n === undefined) n = { psnNo, year, fund: 0, deductible: 0 };
    else this.other.delete(k);
    this.current.set(psnNo, n);
    this.lastTotals = n;
    return n;
  }

  /**
   * Starts a person's year from the totals already paid (the real-time check continues the loaded claims' running
   * totals, adjudications.year_fund_paid / year_deductible_paid, for the encounter being checked).
   */
  seed(psnNo: string, year: string, fund: number, deductible: number): void {
    const t = this.totals(psnNo, `${year}-01-01`);
    t.fund = fund;
    t.deductible = deductible;
  }

  /** Forget all running totals (the bulk job starts each person from zero). */
  reset(): void {
    this.current.clear();
    this.other.clear();
    this.lastTotals = undefined;
  }

  adjudicate(v: Visit): Outcome {
    const t = this.totals(v.psnNo, v.date);
    const c = this.policy(v.admdvs, v.date);
    const eligibleRaw = v.inscpScpAmt > v.preselfpayAmt ? v.inscpScpAmt - v.preselfpayAmt : 0;
    if (typeof c === 'string') {
      return outcome(v.setlId, null, 0, eligibleRaw, 0, 0, v.medfeeSumamt, t, false, null, '', c);
    }
    const k = keyIndex(c.p, v);
    const rateBp = (v.retired ? c.rateRetired[k] : c.rateInService[k]) ?? 0;
    const excluded = exclusionOf(v) ?? (v.pharmacy && !c.pharmacyCovered ? 'pharmacy_not_covered' : null);
    if (excluded) return outcome(v.setlId, c.p.id, 0, eligibleRaw, rateBp, 0, v.medfeeSumamt, t, false, excluded, c.exclusion(excluded), null);
    if (c.separate.size > 0 && c.separate.has(v.medType)) {
      const b = c.separate.get(v.medType);
      if (!b) return outcome(v.setlId, c.p.id, 0, eligibleRaw, rateBp, 0, v.medfeeSumamt, t, false, 'separate_benefit', c.exclusion('separate_benefit'), null);
      const rate = v.retired ? b.retired : b.inService;
      const fund = applyRate(eligibleRaw, rate);
      return outcome(v.setlId, c.p.id, 0, eligibleRaw, rate, fund, v.medfeeSumamt - fund, t, false, null, b.clause, null);
    }
    // Deductible still owed on this visit.
    let owed: number;
    let dedCapped = false;
    if (c.annualDeductible >= 0) {
      owed = c.annualDeductible > t.deductible ? c.annualDeductible - t.deductible : 0;
    } else {
      owed = c.perVisit[k] ?? 0;
      if (c.deductibleCap >= 0) {
        const left = c.deductibleCap > t.deductible ? c.deductibleCap - t.deductible : 0;
        if (left < owed) {
          owed = left;
          dedCapped = true;
        }
      }
    }
    const deductible = owed < eligibleRaw ? owed : eligibleRaw;
    const raw = applyRate(eligibleRaw - deductible, rateBp);
    const outsideCap = v.pharmacy && !c.pharmacyCapped;
    const capFen = v.retired ? c.capRetired : c.capInService;
    const room = outsideCap ? raw : capFen > t.fund ? capFen - t.fund : 0;
    const capped = raw > room;
    const fundPay = capped ? room : raw;
    if (!outsideCap) t.fund += fundPay;
    t.deductible += deductible;
    let why = 0;
    if (fundPay === 0) {
      if (eligibleRaw === 0 && v.fulamtOwnpayAmt > 0) why = 1;
      else if (room === 0 && raw > 0) why = 2;
      else if (eligibleRaw > 0 && eligibleRaw <= deductible) why = 3;
    }
    return outcome(v.setlId, c.p.id, deductible, eligibleRaw, rateBp, fundPay, v.medfeeSumamt - fundPay, t, capped, WHY[why] ?? null, c.clause(dedCapped, capped, why), null);
  }
}

function outcome(
  setlId: string,
  policyId: string | null,
  deductible: number,
  eligible: number,
  rateBp: number,
  fundPay: number,
  selfPay: number,
  t: Totals,
  capped: boolean,
  excluded: ExclusionCode | null,
  clause: string,
  error: string | null,
): Outcome {
  return {
    setlId,
    policyId,
    deductible,
    eligible,
    rateBp,
    fundPay,
    selfPay,
    yearFundPaid: t.fund,
    yearDeductiblePaid: t.deductible,
    capped,
    excluded,
    clause,
    error,
  };
}
