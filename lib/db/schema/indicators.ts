/**
 * Indicator rollups (lib/indicators). Derived data: rebuilt from the fact tables, per (region, month)
 * for an ingest batch or in full. Every table carries region_code first and a month column, so on
 * Citus they distribute by region_code and co-locate with the facts.
 */
import { bigint, bigserial, boolean, char, date, doublePrecision, index, integer, numeric, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';

/**
 * One row per settlement: the visit's features (cost structure from its fee lines, flags, doctor),
 * materialised in one pass over settlements ⋈ fee_details so that rollups and rules never rescan
 * the facts. Reversed settlements and reversal rows are left out.
 */
export const indVisits = pgTable(
  'ind_visits',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    setlId: text('setl_id').notNull(),
    setlTime: timestamp('setl_time', { withTimezone: true }).notNull(),
    psnNo: text('psn_no').notNull(),
    psnType: text('psn_type').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    fixmedinsType: text('fixmedins_type').notNull(),
    hospLv: smallint('hosp_lv').notNull(),
    feeClass: smallint('fee_class'),
    /** city (admdvs) where the institution is: extra.fix_blng_admdvs, master data, or the claim's admdvs */
    instCity: char('inst_city', { length: 6 }).notNull(),
    medType: text('med_type').notNull(),
    /** the settlement's diagnosis, for the profiles' diagnosis table without a join back to the settlements */
    diseCodg: text('dise_codg'),
    chronic: boolean('chronic').notNull(),
    /** the visit's prescribing doctor (lowest bilg_dr_codg of its drug lines, else of any line) */
    drCodg: text('dr_codg'),
    medfee: bigint('medfee', { mode: 'number' }).notNull(),
    ownpay: bigint('ownpay', { mode: 'number' }).notNull(),
    inscp: bigint('inscp', { mode: 'number' }).notNull(),
    fund: bigint('fund', { mode: 'number' }).notNull(),
    examAmt: bigint('exam_amt', { mode: 'number' }).notNull(),
    drugAmt: bigint('drug_amt', { mode: 'number' }).notNull(),
    nLines: integer('n_lines').notNull(),
    nExamLines: integer('n_exam_lines').notNull(),
    nDrugLines: integer('n_drug_lines').notNull(),
    /** longest medc_days on a drug line */
    maxDays: integer('max_days'),
    /** bit flags: 1 non-designated & not emergency, 2 pharmacy without designated rx, 4 no card, 8 suspended, 16 inpatient overlap, 32 arrears, 64 temporary out-of-area */
    flags: integer('flags').notNull(),
  },
  (t) => [
    index('ind_visits_rm_idx').on(t.regionCode, t.month),
    index('ind_visits_psn_idx').on(t.regionCode, t.psnNo, t.setlTime),
    // the institution and doctor profiles read one subject's visits
    index('ind_visits_inst_idx').on(t.regionCode, t.fixmedinsCode, t.month, t.medfee),
    index('ind_visits_dr_idx').on(t.regionCode, t.drCodg, t.month),
    // an incremental run's rules read one month of all regions: the B-tree above leads with the region, so the
    // planner scanned the whole table (~200 ms a rule at 1M settlements); rows are written month by month
    index('ind_visits_month_brin').using('brin', t.month),
  ],
);

const common = {
  visits: integer('visits').notNull(),
  persons: integer('persons').notNull(),
  totalAmt: bigint('total_amt', { mode: 'number' }).notNull(),
  ownpayAmt: bigint('ownpay_amt', { mode: 'number' }).notNull(),
  fundAmt: bigint('fund_amt', { mode: 'number' }).notNull(),
  examAmt: bigint('exam_amt', { mode: 'number' }).notNull(),
  drugAmt: bigint('drug_amt', { mode: 'number' }).notNull(),
  perVisit: doublePrecision('per_visit'),
  perCapita: doublePrecision('per_capita'),
  /** (total − fund) / total */
  selfpayRatio: doublePrecision('selfpay_ratio'),
  /** fulamt_ownpay_amt / medfee_sumamt (目录外/全自费 ratio) */
  ownpayRatio: doublePrecision('ownpay_ratio'),
  examShare: doublePrecision('exam_share'),
  drugShare: doublePrecision('drug_share'),
  fundShare: doublePrecision('fund_share'),
};

/** 机构·月 */
export const indInstitutionMonth = pgTable(
  'ind_institution_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    fixmedinsType: text('fixmedins_type').notNull(),
    hospLv: smallint('hosp_lv').notNull(),
    feeClass: smallint('fee_class'),
    /** peer group inside the region: type + fee class (Shanxi) or level */
    peerKey: text('peer_key').notNull(),
    ...common,
    perVisitMom: doublePrecision('per_visit_mom'),
    perVisitYoy: doublePrecision('per_visit_yoy'),
    visitsMom: doublePrecision('visits_mom'),
    /**
     * Σ ln(visit cost in fen) and Σ ln² over the month's visits: pooled over neighbouring months they give the
     * geometric mean visit cost and its variance, so IND-GROWTH can test a rise against chance without the visits.
     */
    lnSum: numeric('ln_sum'),
    lnSq: numeric('ln_sq'),
    /** 总额预算 of the year (fen), fund used from January to this month, and their ratio */
    annualBudget: bigint('annual_budget', { mode: 'number' }),
    fundYtd: bigint('fund_ytd', { mode: 'number' }),
    budgetUse: doublePrecision('budget_use'),
    /** visits with drug lines by their longest prescription (days): ≤7, 8–14, 15–30, 31–60, 61–90, >90 (the profile's chart) */
    rxDays7: integer('rx_days_7').notNull().default(0),
    rxDays14: integer('rx_days_14').notNull().default(0),
    rxDays30: integer('rx_days_30').notNull().default(0),
    rxDays60: integer('rx_days_60').notNull().default(0),
    rxDays90: integer('rx_days_90').notNull().default(0),
    rxDaysOver: integer('rx_days_over').notNull().default(0),
  },
  (t) => [index('ind_inst_month_idx').on(t.regionCode, t.month, t.fixmedinsCode)],
);

/** 机构·月·诊断: the valid visits per institution, month and diagnosis (the institution profile's top diagnoses) */
export const indDxMonth = pgTable(
  'ind_dx_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    diseCodg: text('dise_codg'),
    visits: integer('visits').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
  },
  (t) => [index('ind_dx_month_idx').on(t.regionCode, t.fixmedinsCode, t.month)],
);

/**
 * 机构·月·项目: fee lines of the valid (not reversed) visits per institution, month and catalogue item,
 * so the institution profile's top items read a rollup instead of probing the fee lines of every visit.
 */
export const indItemMonth = pgTable(
  'ind_item_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    hilistCode: text('hilist_code'),
    hilistName: text('hilist_name'),
    medChrgitmType: text('med_chrgitm_type'),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    lines: integer('lines').notNull(),
  },
  (t) => [index('ind_item_month_idx').on(t.regionCode, t.fixmedinsCode, t.month, sql`coalesce(${t.hilistCode}, '')`)],
);

/**
 * 统筹区·期间 distinct insured persons per month ('2024-03'), quarter ('2024-Q1') and year ('2024'): the one
 * non-additive KPI of the overview, precomputed so the page never counts distinct persons at request time.
 */
export const indRegionPeriod = pgTable(
  'ind_region_period',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    periodKey: text('period_key').notNull(),
    persons: integer('persons').notNull(),
  },
  (t) => [index('ind_region_period_idx').on(t.regionCode, t.periodKey)],
);

/** 机构·周 (ISO week starting Monday) */
export const indInstitutionWeek = pgTable(
  'ind_institution_week',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    week: date('week').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    visits: integer('visits').notNull(),
    persons: integer('persons').notNull(),
    totalAmt: bigint('total_amt', { mode: 'number' }).notNull(),
    fundAmt: bigint('fund_amt', { mode: 'number' }).notNull(),
    perVisit: doublePrecision('per_visit'),
  },
  (t) => [index('ind_inst_week_idx').on(t.regionCode, t.week, t.fixmedinsCode)],
);

/** 医师·月: prescriptions = visits with drug lines billed by the doctor */
export const indDoctorMonth = pgTable(
  'ind_doctor_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    drCodg: text('dr_codg').notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    peerKey: text('peer_key').notNull(),
    ...common,
    rxCount: integer('rx_count').notNull(),
    rxAmt: bigint('rx_amt', { mode: 'number' }).notNull(),
  },
  (t) => [index('ind_doctor_month_idx').on(t.regionCode, t.month, t.drCodg)],
);

/** 参保人·月 */
export const indPersonMonth = pgTable(
  'ind_person_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    psnNo: text('psn_no').notNull(),
    psnType: text('psn_type').notNull(),
    visits: integer('visits').notNull(),
    institutions: integer('institutions').notNull(),
    totalAmt: bigint('total_amt', { mode: 'number' }).notNull(),
    ownpayAmt: bigint('ownpay_amt', { mode: 'number' }).notNull(),
    fundAmt: bigint('fund_amt', { mode: 'number' }).notNull(),
    examAmt: bigint('exam_amt', { mode: 'number' }).notNull(),
    drugAmt: bigint('drug_amt', { mode: 'number' }).notNull(),
  },
  (t) => [index('ind_person_month_idx').on(t.regionCode, t.month, t.psnNo)],
);

/** 参保人·年: the person's months summed by year (TOP-FUND ranks persons by it) */
export const indPersonYear = pgTable(
  'ind_person_year',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    year: date('year').notNull(),
    psnNo: text('psn_no').notNull(),
    psnType: text('psn_type').notNull(),
    visits: integer('visits').notNull(),
    totalAmt: bigint('total_amt', { mode: 'number' }).notNull(),
    ownpayAmt: bigint('ownpay_amt', { mode: 'number' }).notNull(),
    fundAmt: bigint('fund_amt', { mode: 'number' }).notNull(),
  },
  (t) => [index('ind_person_year_idx').on(t.regionCode, t.year, t.psnNo)],
);

/** 统筹区·月 */
export const indRegionMonth = pgTable(
  'ind_region_month',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    month: date('month').notNull(),
    ...common,
    institutions: integer('institutions').notNull(),
    perVisitMom: doublePrecision('per_visit_mom'),
    perVisitYoy: doublePrecision('per_visit_yoy'),
  },
  (t) => [index('ind_region_month_idx').on(t.regionCode, t.month)],
);

/** One row per recompute: what it covered and up to which ingest batch (drives the incremental default). */
export const recomputeRuns = pgTable('recompute_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  full: boolean('full').notNull(),
  months: text('months').array().notNull(),
  regionCodes: text('region_codes').array().notNull(),
  lastBatchId: bigint('last_batch_id', { mode: 'number' }),
  alertsUpserted: integer('alerts_upserted').notNull().default(0),
  ms: integer('ms').notNull().default(0),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
});
