/**
 * Fact tables, range-partitioned by month of `setl_time` and keyed by region first.
 * drizzle-kit cannot declare PARTITION BY, so these tables are created by the hand-written
 * custom migration `drizzle/0001_partitioned_facts.sql` (generated empty with `--custom`);
 * drizzle.config.ts leaves this file out. The definitions here only type the queries.
 * On Citus: `create_distributed_table('settlements', 'admdvs')`, co-located fee_details/adjudications.
 */
import { bigint, boolean, char, date, integer, jsonb, numeric, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

export const settlements = pgTable('settlements', {
  admdvs: char('admdvs', { length: 6 }).notNull(),
  setlId: text('setl_id').notNull(),
  setlTime: timestamp('setl_time', { withTimezone: true }).notNull(),
  psnNo: text('psn_no').notNull(),
  psnType: text('psn_type').notNull(),
  mdtrtId: text('mdtrt_id'),
  fixmedinsCode: text('fixmedins_code').notNull(),
  fixmedinsType: text('fixmedins_type').notNull(),
  hospLv: smallint('hosp_lv').notNull(),
  feeClass: smallint('fee_class'),
  medType: text('med_type').notNull(),
  insutype: text('insutype').notNull(),
  diseCodg: text('dise_codg'),
  medfeeSumamt: bigint('medfee_sumamt', { mode: 'number' }).notNull(),
  inscpScpAmt: bigint('inscp_scp_amt', { mode: 'number' }).notNull(),
  fulamtOwnpayAmt: bigint('fulamt_ownpay_amt', { mode: 'number' }).notNull(),
  preselfpayAmt: bigint('preselfpay_amt', { mode: 'number' }).notNull(),
  actPayDedc: bigint('act_pay_dedc', { mode: 'number' }),
  hifpPay: bigint('hifp_pay', { mode: 'number' }),
  acctPay: bigint('acct_pay', { mode: 'number' }),
  psnCashPay: bigint('psn_cash_pay', { mode: 'number' }),
  refdSetlFlag: boolean('refd_setl_flag').notNull(),
  /** set when a later reversal (refd_setl_flag=1) cancelled this settlement */
  reversed: boolean('reversed').notNull(),
  designated: boolean('designated').notNull(),
  emergency: boolean('emergency').notNull(),
  hasCard: boolean('has_card').notNull(),
  rxFromDesignated: boolean('rx_from_designated'),
  outOfAreaTemporary: boolean('out_of_area_temporary').notNull(),
  inArrears: boolean('in_arrears').notNull(),
  inpatientOverlap: boolean('inpatient_overlap').notNull(),
  suspended: boolean('suspended').notNull(),
  chronic: boolean('chronic').notNull(),
  gend: char('gend', { length: 1 }),
  brdy: date('brdy'),
  extra: jsonb('extra'),
  rowHash: text('row_hash').notNull(),
  batchId: bigint('batch_id', { mode: 'number' }),
});

export const feeDetails = pgTable('fee_details', {
  admdvs: char('admdvs', { length: 6 }).notNull(),
  feedetlSn: text('feedetl_sn').notNull(),
  setlId: text('setl_id').notNull(),
  setlTime: timestamp('setl_time', { withTimezone: true }).notNull(),
  psnNo: text('psn_no').notNull(),
  fixmedinsCode: text('fixmedins_code').notNull(),
  medChrgitmType: text('med_chrgitm_type').notNull(),
  chrgitmLv: text('chrgitm_lv'),
  hilistCode: text('hilist_code'),
  hilistName: text('hilist_name'),
  medinsListCodg: text('medins_list_codg'),
  cnt: numeric('cnt', { precision: 16, scale: 4 }),
  /** unit price in yuan (may carry sub-fen precision); amounts are fen */
  pric: numeric('pric', { precision: 16, scale: 4 }),
  detItemFeeSumamt: bigint('det_item_fee_sumamt', { mode: 'number' }).notNull(),
  bilgDrCodg: text('bilg_dr_codg'),
  bilgDeptCodg: text('bilg_dept_codg'),
  medcDays: integer('medc_days'),
  extra: jsonb('extra'),
  rowHash: text('row_hash').notNull(),
  batchId: bigint('batch_id', { mode: 'number' }),
});

/** What the policy in force says the fund owed, beside the settled hifp_pay. */
export const adjudications = pgTable('adjudications', {
  admdvs: char('admdvs', { length: 6 }).notNull(),
  setlId: text('setl_id').notNull(),
  setlTime: timestamp('setl_time', { withTimezone: true }).notNull(),
  psnNo: text('psn_no').notNull(),
  policyId: text('policy_id'),
  deductible: bigint('deductible', { mode: 'number' }).notNull(),
  eligible: bigint('eligible', { mode: 'number' }).notNull(),
  /** rate in basis points (5500 = 55 %) */
  rateBp: integer('rate_bp').notNull(),
  fundPay: bigint('fund_pay', { mode: 'number' }).notNull(),
  selfPay: bigint('self_pay', { mode: 'number' }).notNull(),
  yearFundPaid: bigint('year_fund_paid', { mode: 'number' }).notNull(),
  yearDeductiblePaid: bigint('year_deductible_paid', { mode: 'number' }).notNull(),
  capped: boolean('capped').notNull(),
  excluded: text('excluded'),
  clause: text('clause').notNull(),
  error: text('error'),
  settledFundPay: bigint('settled_fund_pay', { mode: 'number' }),
  computedAt: timestamp('computed_at', { withTimezone: true }).notNull(),
});
