import { bigserial, bigint, integer, jsonb, pgTable, text, timestamp, index } from 'drizzle-orm/pg-core';

/** One loaded file. `file_sha256` + kind makes a reload recognisable. */
export const ingestBatches = pgTable(
  'ingest_batches',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    fileName: text('file_name').notNull(),
    fileSha256: text('file_sha256').notNull(),
    kind: text('kind').notNull(),
    format: text('format').notNull(),
    status: text('status').notNull().default('running'),
    strict: integer('strict').notNull().default(0),
    rows: integer('rows').notNull().default(0),
    inserted: integer('inserted').notNull().default(0),
    updated: integer('updated').notNull().default(0),
    unchanged: integer('unchanged').notNull().default(0),
    rejected: integer('rejected').notNull().default(0),
    reversed: integer('reversed').notNull().default(0),
    regionCodes: text('region_codes').array().notNull().default([]),
    months: text('months').array().notNull().default([]),
    /** the days ('YYYY-MM-DD') whose visits the batch changed; null when a master row changed whole months (0016) */
    days: text('days').array(),
    userId: bigint('user_id', { mode: 'number' }),
    message: text('message'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('ingest_batches_sha_idx').on(t.fileSha256)],
);

export const ingestErrors = pgTable(
  'ingest_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    batchId: bigint('batch_id', { mode: 'number' }).notNull(),
    file: text('file').notNull(),
    row: integer('row').notNull(),
    field: text('field').notNull(),
    message: text('message').notNull(),
    value: text('value'),
    raw: jsonb('raw'),
    /** 'error': the row was rejected; 'warning': it loaded, but a person should look (e.g. a key twice in one file) */
    severity: text('severity').notNull().default('error'),
  },
  (t) => [index('ingest_errors_batch_idx').on(t.batchId)],
);
