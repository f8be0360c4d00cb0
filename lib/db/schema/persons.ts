import { char, date, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** 参保人. Identifiers (psn_no, psn_name, certno) are masked in every output unless revealed. */
export const insuredPersons = pgTable(
  'insured_persons',
  {
    regionCode: char('region_code', { length: 6 }).notNull(),
    psnNo: text('psn_no').notNull(),
    psnName: text('psn_name'),
    certno: text('certno'),
    /** NHSA 人员类别, e.g. 1101 在职, 1201 退休 */
    psnType: text('psn_type').notNull(),
    gend: char('gend', { length: 1 }),
    brdy: date('brdy'),
    insutype: text('insutype').notNull().default('310'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.regionCode, t.psnNo] })],
);
