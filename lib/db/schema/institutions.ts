import { bigint, boolean, char, index, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** 定点医药机构. `fixmedins_code` is the NHSA national code; region_code leads the key for Citus co-location. */
export const institutions = pgTable(
  'institutions',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    fixmedinsName: text('fixmedins_name').notNull(),
    /** hospital | pharmacy */
    fixmedinsType: text('fixmedins_type').notNull(),
    /** 1 一级及以下/基层, 2 二级, 3 三级 */
    hospLv: smallint('hosp_lv').notNull(),
    /** Shanxi 收费类别 1/2/3; null elsewhere */
    feeClass: smallint('fee_class'),
    designated: boolean('designated').notNull().default(true),
    /** 总额预算 for the current year, fen */
    annualBudget: bigint('annual_budget', { mode: 'number' }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.fixmedinsCode] }), index('institutions_code_idx').on(t.fixmedinsCode)],
);

/** 科室 */
export const departments = pgTable(
  'departments',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    fixmedinsCode: text('fixmedins_code').notNull(),
    deptCodg: text('dept_codg').notNull(),
    deptName: text('dept_name'),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.fixmedinsCode, t.deptCodg] })],
);

/** 医师 (开单医生 bilg_dr_codg in fee details) */
export const doctors = pgTable(
  'doctors',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    drCodg: text('dr_codg').notNull(),
    drName: text('dr_name'),
    fixmedinsCode: text('fixmedins_code'),
    deptCodg: text('dept_codg'),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.drCodg] })],
);
