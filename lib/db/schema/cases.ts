import { bigint, bigserial, boolean, char, date, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** 案件: 立案 → 调查 → 告知 → 法制审核 → 决定 → 执行 → 结案 */
export const cases = pgTable(
  'cases',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    caseNo: text('case_no').notNull(),
    /** institution | doctor | insured */
    subjectType: text('subject_type').notNull(),
    subjectId: text('subject_id').notNull(),
    subjectName: text('subject_name'),
    title: text('title').notNull(),
    stage: text('stage').notNull().default('filed'),
    /** fund paid on the violating items, fen */
    violationAmount: bigint('violation_amount', { mode: 'number' }).notNull().default(0),
    ownPayAmount: bigint('own_pay_amount', { mode: 'number' }).notNull().default(0),
    fraud: text('fraud').notNull().default('no'),
    penalty: jsonb('penalty'),
    recoveredAmount: bigint('recovered_amount', { mode: 'number' }).notNull().default(0),
    stageDeadline: date('stage_deadline'),
    /** 告知 date and the statement/hearing deadline (行政处罚法 第六十四条, working days, policies/penalties) */
    noticeDate: date('notice_date'),
    statementDeadline: date('statement_deadline'),
    /** 立案 + 90 days (行政处罚法 第六十条) */
    decisionDue: date('decision_due'),
    /** 决定 + 15 days (行政处罚法 第六十七条) */
    paymentDue: date('payment_due'),
    /** total sanction in fen (principal + damages, or refund + fine) as last computed */
    penaltyTotal: bigint('penalty_total', { mode: 'number' }).notNull().default(0),
    legalReviewRequired: boolean('legal_review_required').notNull().default(false),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    openedBy: bigint('opened_by', { mode: 'number' }),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
  },
  (t) => [index('cases_region_stage_idx').on(t.regionCode, t.stage)],
);

export const caseAlerts = pgTable('case_alerts', {
  caseId: bigint('case_id', { mode: 'number' }).notNull(),
  alertId: bigint('alert_id', { mode: 'number' }).notNull(),
  regionCode: char('region_code', { length: 6 }).notNull(),
});

export const caseEvents = pgTable(
  'case_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: bigint('case_id', { mode: 'number' }).notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    userId: bigint('user_id', { mode: 'number' }),
    fromStage: text('from_stage'),
    toStage: text('to_stage').notNull(),
    comment: text('comment'),
    data: jsonb('data'),
  },
  (t) => [index('case_events_case_idx').on(t.caseId)],
);

/** 暂停联网结算: decided suspensions of an insured person's networked settlement; end date exclusive. */
export const suspensions = pgTable(
  'suspensions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    psnNo: text('psn_no').notNull(),
    startDate: date('start_date').notNull(),
    endDate: date('end_date').notNull(),
    caseId: bigint('case_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('suspensions_psn_idx').on(t.regionCode, t.psnNo)],
);

/** 执行: each recovery or payment received for a decided case (fen). */
export const casePayments = pgTable(
  'case_payments',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    caseId: bigint('case_id', { mode: 'number' }).notNull(),
    regionCode: char('region_code', { length: 6 }).notNull(),
    /** principal | damages | refund | fine */
    kind: text('kind').notNull(),
    amount: bigint('amount', { mode: 'number' }).notNull(),
    paidOn: date('paid_on').notNull(),
    comment: text('comment'),
    userId: bigint('user_id', { mode: 'number' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('case_payments_case_idx').on(t.caseId)],
);
