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
  year: string;
  fund: number;
  deductible: number;
}

/** Round half up of a × bp / 10000 for non-negative integers (exact: a × bp stays far below 2^53). */
export function applyRate(amountFen: number, rateBp: number): number {
  return Math.floor((amountFen * rateBp + 5000) / 10000);
}

function key(p: Policy, v: Visit): '1' | '2' | '3' | 'pharmacy' {
  if (v.pharmacy) return 'pharmacy';
  if (p.basis === 'fee_class') {
    // 收费类别 missing: inferred from level (三级 → 一类, 二级 → 二类, 一级 → 三类), as the policy file says.
    const fc = v.feeClass ?? (v.level >= 3 ? 1 : v.level === 2 ? 2 : 3);
    return String(fc) as '1' | '2' | '3';
  }
  return String(Math.min(Math.max(v.level, 1), 3)) as '1' | '2' | '3';
}

function cite(p: Policy, c: { clause: string }): string {
  return `${p.document.number} ${c.clause}`;
}

function exclusionOf(v: Visit, p: Policy): ExclusionCode | null {
  if (p.separate_benefits.some((b) => b.med_type === v.medType)) return 'separate_benefit';
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
 * Policy resolution is cached per (region, date).
 */
export class Adjudicator {
  private totals = new Map<string, Totals>();
  private cache = new Map<string, Policy | string>();

  constructor(private readonly set: PolicySet) {}

  private policy(admdvs: string, date: string): Policy | string {
    const k = `${admdvs}|${date}`;
    let p = this.cache.get(k);
    if (p === undefined) {
      try {
        p = policyFor(this.set, admdvs, date);
      } catch (e) {
        if (!(e instanceof PolicyNotFound)) throw e;
        p = e.message;
      }
      this.cache.set(k, p);
    }
    return p;
  }

  /** Forget a person's running totals (the bulk job starts each person-year from zero). */
  reset(): void {
    this.totals.clear();
  }

  adjudicate(v: Visit): Outcome {
    const year = v.date.slice(0, 4);
    let t = this.totals.get(v.psnNo);
    if (!t || t.year !== year) {
      t = { year, fund: 0, deductible: 0 };
      this.totals.set(v.psnNo, t);
    }
    const p = this.policy(v.admdvs, v.date);
    const eligibleRaw = Math.max(0, v.inscpScpAmt - v.preselfpayAmt);
    if (typeof p === 'string') {
      return {
        setlId: v.setlId,
        policyId: null,
        deductible: 0,
        eligible: eligibleRaw,
        rateBp: 0,
        fundPay: 0,
        selfPay: v.medfeeSumamt,
        yearFundPaid: t.fund,
        yearDeductiblePaid: t.deductible,
        capped: false,
        excluded: null,
        clause: '',
        error: p,
      };
    }
    const k = key(p, v);
    const rates = v.retired ? p.rates_bp.retired : p.rates_bp.in_service;
    const rateBp = rates[k] ?? rates['3'] ?? 0;
    const capFen = v.retired ? p.annual_cap_fen.retired : p.annual_cap_fen.in_service;
    const excluded = exclusionOf(v, p);
    if (excluded) {
      const ex = p.exclusions.find((e) => e.code === excluded);
      return {
        setlId: v.setlId,
        policyId: p.id,
        deductible: 0,
        eligible: eligibleRaw,
        rateBp,
        fundPay: 0,
        selfPay: v.medfeeSumamt,
        yearFundPaid: t.fund,
        yearDeductiblePaid: t.deductible,
        capped: false,
        excluded,
        clause: ex ? cite(p, ex.cite) : p.document.number,
        error: null,
      };
    }
    // Deductible still owed on this visit.
    let owed: number;
    const d = p.deductible;
    if (d.mode === 'annual') {
      owed = Math.max(0, d.annual_fen - t.deductible);
    } else {
      const perVisit = d.amounts_fen[k] ?? d.amounts_fen['3'] ?? 0;
      owed = d.annual_cap_fen === null ? perVisit : Math.min(perVisit, Math.max(0, d.annual_cap_fen - t.deductible));
    }
    const deductible = Math.min(owed, eligibleRaw);
    const raw = applyRate(eligibleRaw - deductible, rateBp);
    const room = Math.max(0, capFen - t.fund);
    const fundPay = Math.min(raw, room);
    const capped = raw > room;
    t.fund += fundPay;
    t.deductible += deductible;
    let why: ExclusionCode | null = null;
    if (fundPay === 0) {
      if (eligibleRaw === 0 && v.fulamtOwnpayAmt > 0) why = 'out_of_catalogue';
      else if (room === 0 && raw > 0) why = 'above_cap';
      else if (eligibleRaw > 0 && eligibleRaw <= deductible) why = 'below_deductible';
    }
    const parts = [cite(p, d.cite), cite(p, p.rates_bp.cite)];
    if (d.mode === 'per_visit' && d.cap_cite && d.annual_cap_fen !== null && owed < (d.amounts_fen[k] ?? 0)) parts.push(cite(p, d.cap_cite));
    if (capped) parts.push(cite(p, p.annual_cap_fen.cite));
    if (why) {
      const ex = p.exclusions.find((e) => e.code === why);
      if (ex) parts.push(cite(p, ex.cite));
    }
    return {
      setlId: v.setlId,
      policyId: p.id,
      deductible,
      eligible: eligibleRaw,
      rateBp,
      fundPay,
      selfPay: v.medfeeSumamt - fundPay,
      yearFundPaid: t.fund,
      yearDeductiblePaid: t.deductible,
      capped,
      excluded: why,
      clause: [...new Set(parts)].join('；'),
      error: null,
    };
  }
}
