import { pgTable, text, char } from 'drizzle-orm/pg-core';

/** 统筹区 pooling areas, GB/T 2260 codes. Reference table (replicated on Citus). */
export const regions = pgTable('regions', {
  code: char('code', { length: 6 }).primaryKey(),
  name: text('name').notNull(),
  provinceCode: char('province_code', { length: 2 }).notNull(),
});
