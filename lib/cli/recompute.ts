/**
 * `recompute [--from DATE] [--full] [--json]` — rebuilds indicators, rules and alerts (CONTRACT.md).
 * Incremental by default: the months and regions of ingest batches finished since the last
 * recompute (recompute_runs.last_batch_id); the first recompute, or `--full`, rebuilds everything;
 * `--from DATE` recomputes every month from DATE's month on, all regions.
 */
import { desc, sql } from 'drizzle-orm';
import { auditRecompute, cliActor } from '../audit/operations';
import { getDb, type Db } from '../db/client';
import { recomputeRuns } from '../db/schema';
import { InputError } from '../errors';
import { refreshStoredBasis } from '../alerts/basis-refresh';
import { bumpDataVersion } from '../dashboard/cache';
import { inTransaction, partitionMonths } from '../indicators/sql';
import { afterIngest, type PipelineScope } from '../pipeline/after-ingest';
import { emit, parse, type Io } from './args';

export interface RecomputeResult {
  mode: 'full' | 'from' | 'incremental' | 'none';
  months: string[];
  regions: string[];
  steps: Array<{ step: string; ms: number; result: unknown }>;
  alerts: { inserted: number; total: number };
  ms: number;
}

export async function recomputeScope(db: Db, opts: { from?: string; full?: boolean }): Promise<{ mode: RecomputeResult['mode']; scope: PipelineScope; lastBatchId: number | null }> {
  const maxBatch = await db.$client.query<{ id: number | null }>('select max(id)::bigint as id from ingest_batches where finished_at is not null');
  const lastBatchId = maxBatch.rows[0]?.id ?? null;
  const [prev] = await db.select().from(recomputeRuns).orderBy(desc(recomputeRuns.id)).limit(1);
  if (opts.full || (!opts.from && !prev)) return { mode: 'full', scope: { months: [], regionCodes: [], full: true }, lastBatchId };
  if (opts.from) {
    const fromMonth = opts.from.slice(0, 7);
    const c = await db.$client.connect();
    const all = await partitionMonths(c).finally(() => c.release());
    return { mode: 'from', scope: { months: all.filter((m) => m >= fromMonth), regionCodes: [] }, lastBatchId };
  }
  const r = await db.$client.query<{ months: string[] | null; regions: string[] | null; days: string[] | null }>(
    `select array(select distinct unnest(months)) as months, array(select distinct unnest(region_codes)) as regions,
       (select case when bool_and(b.days is not null) then array(select distinct d from ingest_batches b2 cross join unnest(b2.days) d
          where b2.finished_at is not null and b2.id > $1 order by 1) end
          from ingest_batches b where b.finished_at is not null and b.id > $1 and b.months <> '{}') as days
       from (select array_agg(m) as months, array_agg(g) as region_codes
               from ingest_batches b left join lateral unnest(b.months) m on true left join lateral unnest(b.region_codes) g on true
              where b.finished_at is not null and b.id > $1) x`,
    [prev?.lastBatchId ?? 0],
  );
  const months = (r.rows[0]?.months ?? []).filter(Boolean).map((m) => m.slice(0, 7));
  const regions = (r.rows[0]?.regions ?? []).filter(Boolean);
  if (!months.length) return { mode: 'none', scope: { months: [], regionCodes: [] }, lastBatchId: prev?.lastBatchId ?? lastBatchId };
  // the changed days when every batch since knows them (else whole months)
  const days = r.rows[0]?.days ?? undefined;
  return { mode: 'incremental', scope: { months, regionCodes: regions, days: days?.length ? days : undefined }, lastBatchId };
}

export async function recompute(db: Db, opts: { from?: string; full?: boolean }): Promise<RecomputeResult> {
  const t0 = performance.now();
  const { mode, scope, lastBatchId } = await recomputeScope(db, opts);
  const steps = mode === 'none' ? [] : await afterIngest(db, scope);
  // stored alerts of every month take the basis the catalogue gives their region today (even with no new batches)
  await inTransaction(db, (c) => refreshStoredBasis(c));
  await bumpDataVersion(db);
  const rules = steps.find((s) => s.step === 'rules')?.result as { alerts?: { inserted: number; total: number }; months?: string[]; regions?: string[] } | undefined;
  const indicators = steps.find((s) => s.step === 'indicators')?.result as { months?: string[] } | undefined;
  const months = indicators?.months ?? scope.months;
  const regions = rules?.regions ?? scope.regionCodes;
  const ms = Math.round(performance.now() - t0);
  await db.insert(recomputeRuns).values({
    full: mode === 'full',
    months,
    regionCodes: regions,
    lastBatchId,
    alertsUpserted: rules?.alerts?.total ?? 0,
    ms,
  });
  return { mode, months, regions, steps, alerts: { inserted: rules?.alerts?.inserted ?? 0, total: rules?.alerts?.total ?? 0 }, ms };
}

export async function recomputeCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { from: { type: 'string' }, full: { type: 'boolean' } });
  if (values.from !== undefined && !/^\d{4}-\d{2}(-\d{2})?$/.test(values.from)) {
    throw new InputError(`--from 应为日期 YYYY-MM-DD: ${values.from}`, { field: '--from' });
  }
  const db = await getDb();
  await db.execute(sql`select 1`);
  const r = await recompute(db, { from: values.from, full: values.full });
  await auditRecompute(db, cliActor(), { ...r, from: values.from, full: values.full });
  emit(io, values.json, r, () =>
    r.mode === 'none'
      ? '没有新的导入批次，无需重算 (no new batches since the last recompute)'
      : [
          `重算完成 (${r.mode})：${r.months.length} 个月，${r.regions.length} 个统筹区，用时 ${r.ms} ms`,
          ...r.steps.map((s) => `  ${s.step}: ${s.ms} ms`),
          `预警：新增 ${r.alerts.inserted} 条，更新 ${r.alerts.total - r.alerts.inserted} 条`,
        ].join('\n'),
  );
  return 0;
}
