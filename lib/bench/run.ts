/**
 * The benchmark suite (`npm run cli -- bench`). Every goal is a ratio measured in the same run, on the
 * same database and the same rows, so that a slow or noisy machine moves both sides together:
 *   ingest ÷ raw COPY · full recompute ÷ one GROUP BY pass · incremental ÷ full ·
 *   dashboard p95 and ÷ raw aggregation · adjudication visits/s · detection precision/recall · peak RSS.
 * It works on a database of its own (`ofm_bench`) on the same server, never the user's data.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { benchAdjudication } from '../adjudication/bench';
import { detectionQuality, type KindQuality, type Truth } from '../alerts/quality';
import { CLI_NODE_ARGS } from '../cli/node-args';
import { benchBacktest } from './backtest';
import { citusBenchDatabase, distributeBench, workerShares, type WorkerShare } from './citus';
import { cpuMeter } from './cpu';
import { createDb, databaseUrl, type Db } from '../db/client';
import { runMigrations } from '../db/migrate';
import { dashboardTimings } from '../dashboard/bench';
import { overviewConcurrent, type ConcurrentTiming } from '../dashboard/concurrency-bench';
import { dataDir } from '../env';
import { generate } from '../generate';
import { benchWhatif } from './whatif';
import { benchRealtime } from './realtime';
import { timeDayBatch, timeGroupByPass, type DayBatchTiming } from '../indicators/bench';
import { timeRecomputeWritesCopy } from './limit';

export interface BenchOptions {
  settlements: number;
  months?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface BenchResult {
  settlements: number;
  /** the commit the run measured (`git rev-parse --short HEAD`, with "+" when the work tree differed); absent before 2026-12-02 */
  commit?: string;
  fee_details: number;
  machine: { cpus: number; cpu_model: string; memory_gb: number; node: string; postgres: string };
  date: string;
  ingest_vs_copy: number;
  ingest_ms: number;
  copy_ms: number;
  ingest_rows_per_s: number;
  recompute_vs_groupby: number;
  /** full recompute (adjudication, indicators, rules) ÷ (one GROUP BY pass + a raw COPY of the rows it writes); goal ≤ 1.5 */
  recompute_vs_limit?: number;
  /** the raw COPY of the rows the full recompute writes (lib/bench/limit.ts) */
  recompute_writes_copy_ms?: number;
  recompute_writes_rows?: number;
  /** the last day taken out and put back: its refresh (rollups + rules of its month) and its re-adjudication */
  day_batch?: DayBatchTiming;
  recompute_ms: number;
  recompute_steps: Array<{ step: string; ms: number }>;
  groupby_ms: number;
  incremental_vs_full: number;
  incremental_ms: number;
  dashboard_p95_ms: number;
  dashboard_vs_raw: number;
  dashboard: unknown;
  /** 20 inspectors on the overview at once (lib/dashboard/concurrency-bench.ts); goal ≤ 500 ms */
  dashboard_p95_at_20_ms?: number;
  dashboard_at_20?: ConcurrentTiming;
  adjudicate_visits_per_s: number;
  /** the what-if of the policy page over every loaded visit, end to end (lib/bench/whatif.ts); absent before issue 22 */
  whatif_visits_per_s?: number;
  whatif_ms?: number;
  /** the same what-if's first run, reading the visits from Postgres */
  whatif_cold_ms?: number;
  ingest_peak_rss_mb: number;
  /**
   * CPU ms of the ingest (its Node process, the Postgres backend running its COPYs) and of the raw COPY's backend; pg is
   * null when the server's processes cannot be read (not on this machine). Absent in runs before 2026-11-26.
   */
  ingest_cpu?: IngestCpu;
  recompute_peak_rss_mb: number;
  generate_ms: number;
  detection: Record<string, { precision: number; recall: number }>;
  /** issue 21: one rule's back-test over the loaded year, ms, per rule kind (lib/bench/backtest.ts) */
  backtest_ms: Record<string, number>;
  backtest_rules_ms: Record<string, number>;
  detection_detail: Record<string, KindQuality>;
  /** steps that failed (their figures absent), with the error: the rest of the run is kept */
  failed?: Record<string, string>;
  /** on a Citus coordinator: the facts each node holds after the ingest (absent on one Postgres) */
  citus_workers?: WorkerShare[];
  /** real-time check (NHSA 3101/3102) at 8 concurrent callers (lib/bench/realtime.ts); absent in runs before issue 23 */
  realtime_p50_ms?: number;
  realtime_p99_ms?: number;
  realtime_checks_per_s?: number;
}

export interface IngestCpu {
  node_ms: number;
  node_main_ms: number | null;
  pg_ms: number | null;
  copy_pg_ms: number | null;
}

const BENCH_DB = 'ofm_bench';

function child(task: string, args: string[], url: string): Promise<{ ms: number; peak_rss_mb: number; result: unknown }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...CLI_NODE_ARGS, path.resolve('lib/bench/child.ts'), task, ...args], {
      env: { ...process.env, DATABASE_URL: url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench ${task} exited with ${code}`));
      const last = out.trim().split('\n').pop() ?? '{}';
      resolve(JSON.parse(last) as { ms: number; peak_rss_mb: number; result: unknown });
    });
  });
}

async function freshDatabase(adminUrl: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${BENCH_DB} with (force)`);
  await admin.query(`create database ${BENCH_DB}`);
  await admin.end();
  const u = new URL(adminUrl);
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

/** Raw COPY of exactly the rows ingest loaded: dump the loaded tables, truncate, and COPY them back in. */
async function timeRawCopy(db: Db, dir: string): Promise<{ ms: number; pgCpuMs: number | null }> {
  const { to: copyTo, from: copyFrom } = await import('pg-copy-streams');
  const { pipeline } = await import('node:stream/promises');
  const tables = ['settlements', 'fee_details'];
  const client = await db.$client.connect();
  try {
    for (const t of tables) {
      await pipeline(client.query(copyTo(`copy (select * from ${t}) to stdout`)), fs.createWriteStream(path.join(dir, `${t}.copy`)));
    }
    await client.query(`truncate ${tables.join(', ')}`);
    const pid = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? 0;
    const cpu = cpuMeter(pid);
    const t0 = performance.now();
    await client.query('begin');
    for (const t of tables) {
      await pipeline(fs.createReadStream(path.join(dir, `${t}.copy`), { highWaterMark: 1 << 20 }), client.query(copyFrom(`copy ${t} from stdin`)));
    }
    await client.query('commit');
    return { ms: performance.now() - t0, pgCpuMs: cpu() };
  } finally {
    client.release();
    for (const t of tables) fs.rmSync(path.join(dir, `${t}.copy`), { force: true });
  }
}

/** The code measured: the commit, marked "+" when lib/ differs from it (read at the start: the run's own code). */
function gitCommit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'lib', 'drizzle', 'policies'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${head}${dirty ? '+' : ''}`;
  } catch {
    return null;
  }
}

const ratio = (a: number, b: number) => Math.round((a / b) * 1000) / 1000;

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const log = opts.log ?? (() => undefined);
  const commit = gitCommit();
  const months = opts.months ?? 12;
  const seed = opts.seed ?? 20240101;
  // The generator makes about 0.75 visits a person a month (hospital 0.5, pharmacy 0.25).
  const persons = Math.max(50, Math.round(opts.settlements / (months * 0.75)));
  const dir = path.join(dataDir(), 'bench', `p${persons}-m${months}-s${seed}`);
  let generateMs = 0;
  if (!fs.existsSync(path.join(dir, 'truth.json'))) {
    log(`generating ${persons} persons × ${months} months into ${dir}`);
    const g = await generate({ persons, months, seed, out: dir });
    generateMs = g.ms;
  }
  const truth = JSON.parse(fs.readFileSync(path.join(dir, 'truth.json'), 'utf8')) as Truth;
  const masterFiles = ['institutions.ndjson', 'doctors.ndjson'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  const files = [...masterFiles, path.join(dir, 'settlements.ndjson'), path.join(dir, 'details.ndjson')];

  const adminUrl = await databaseUrl();
  const url = await freshDatabase(adminUrl);
  const citus = await citusBenchDatabase(adminUrl, BENCH_DB);
  const db = createDb(url, 8);
  try {
    await runMigrations(db);
    if (citus) await distributeBench(db);

    log('ingest (validation, staging COPY, merge) in its own process');
    const ing = await child('ingest', files, url);
    const counts = await db.$client.query<{ s: number; d: number }>('select (select count(*) from settlements)::int as s, (select count(*) from fee_details)::int as d');
    const nSettlements = counts.rows[0]?.s ?? 0;
    const nDetails = counts.rows[0]?.d ?? 0;
    const citusWorkers = citus ? await workerShares(db) : undefined;

    log('raw COPY of the same rows into the same tables');
    const copy = await timeRawCopy(db, dir);
    const copyMs = copy.ms;
    await db.$client.query('vacuum analyze settlements, fee_details');

    log('full recompute (adjudication, indicators, rules) in its own process');
    const rec = await child('recompute', [], url);
    const recSteps = rec.result as Array<{ step: string; ms: number }>;
    const indicatorsAndRules = recSteps.filter((s) => s.step !== 'adjudicate').reduce((a, s) => a + s.ms, 0);

    log('one hand-written GROUP BY pass over the facts');
    await timeGroupByPass(db); // warm the cache the same way the recompute found it
    const groupbyMs = await timeGroupByPass(db);

    log('raw COPY of the rows the full recompute wrote');
    const writes = await timeRecomputeWritesCopy(db, dir);

    log('incremental recompute after one day’s batch');
    const day = await timeDayBatch(db);
    const incrementalMs = day.refresh_ms;

    log('dashboard endpoints');
    const dash = await dashboardTimings(db);
    const at20 = await overviewConcurrent(url);

    log('adjudication engine');
    const adj = benchAdjudication(500_000);

    // The steps below measure features of their own; one that fails (a what-if of every visit of a 10M set in one
    // process, say) is reported in `failed` and the run goes on, so that the figures above are not lost with it.
    const failed: Record<string, string> = {};
    const attempt = async <T>(step: string, fn: () => Promise<T>): Promise<T | null> => {
      try {
        return await fn();
      } catch (e) {
        failed[step] = (e as Error).message.slice(0, 300);
        log(`${step} failed: ${failed[step]}`);
        return null;
      }
    };
    log('back-test of every rule');
    const bt = (await attempt('backtest', () => benchBacktest(db))) ?? { by_kind: {}, by_rule: {} };
    log('policy what-if over every loaded visit');
    const whatif = (await attempt('whatif', () => benchWhatif(db))) ?? { visits_per_s: undefined, ms: undefined, ms_cold: undefined };

    log('detection quality against truth.json');
    const detail = await detectionQuality(db, truth);
    const detection = Object.fromEntries(Object.entries(detail).map(([k, v]) => [k, { precision: v.precision, recall: v.recall }]));

    // The real-time check's rule query (correlated subqueries beside CTEs, generic plans) is not yet planned by Citus
    // 13.2 ("could not create distributed plan"): on a cluster the step is left out and its figures absent (docs/scale-out.md).
    let rt: Awaited<ReturnType<typeof benchRealtime>> | null = null;
    if (citus) log('real-time check: not run on a Citus cluster (its rule query is not distributable yet)');
    else {
      log('real-time check, 8 concurrent callers');
      rt = await attempt('realtime', () => benchRealtime(db));
    }

    const pgVersion = await db.$client.query<{ v: string }>("select current_setting('server_version') as v");
    return {
      settlements: nSettlements,
      ...(commit ? { commit } : {}),
      fee_details: nDetails,
      machine: {
        cpus: os.cpus().length,
        cpu_model: os.cpus()[0]?.model ?? '',
        memory_gb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        postgres: pgVersion.rows[0]?.v ?? '',
      },
      date: new Date().toISOString(),
      ingest_vs_copy: ratio(copyMs, ing.ms),
      ingest_ms: Math.round(ing.ms),
      copy_ms: Math.round(copyMs),
      ingest_rows_per_s: Math.round(((nSettlements + nDetails) / ing.ms) * 1000),
      recompute_vs_groupby: ratio(indicatorsAndRules, groupbyMs),
      recompute_vs_limit: ratio(rec.ms, groupbyMs + writes.ms),
      recompute_writes_copy_ms: Math.round(writes.ms),
      recompute_writes_rows: writes.rows,
      day_batch: day,
      recompute_ms: Math.round(rec.ms),
      recompute_steps: recSteps,
      groupby_ms: Math.round(groupbyMs),
      incremental_vs_full: ratio(incrementalMs, indicatorsAndRules),
      incremental_ms: Math.round(incrementalMs),
      dashboard_p95_ms: dash.p95_ms,
      dashboard_vs_raw: dash.vs_raw,
      dashboard: dash,
      dashboard_p95_at_20_ms: at20.p95_ms,
      dashboard_at_20: at20,
      adjudicate_visits_per_s: Math.round(adj.visits_per_s),
      whatif_visits_per_s: whatif.visits_per_s,
      whatif_ms: whatif.ms,
      whatif_cold_ms: whatif.ms_cold,
      ingest_peak_rss_mb: ing.peak_rss_mb,
      ingest_cpu: { ...(ing.result as { cpu: Omit<IngestCpu, 'copy_pg_ms'> }).cpu, copy_pg_ms: copy.pgCpuMs },
      recompute_peak_rss_mb: rec.peak_rss_mb,
      generate_ms: Math.round(generateMs),
      detection,
      backtest_ms: bt.by_kind,
      backtest_rules_ms: bt.by_rule,
      detection_detail: detail,
      ...(citusWorkers ? { citus_workers: citusWorkers } : {}),
      ...(Object.keys(failed).length ? { failed } : {}),
      ...(rt ? { realtime_p50_ms: rt.p50_ms, realtime_p99_ms: rt.p99_ms, realtime_checks_per_s: rt.checks_per_s } : {}),
    };
  } finally {
    await db.$client.end();
  }
}
