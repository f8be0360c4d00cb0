import fs from 'node:fs';
import path from 'node:path';
import { CITUS_RESULTS } from '../bench/citus-report';
import { performanceMarkdown } from '../bench/report';
import { runBench, type BenchResult } from '../bench/run';
import { InputError } from '../errors';
import { emit, parse, type Io } from './args';

/** `bench [--json] [--settlements N]` — writes bench/results.json and prints the ratios (CONTRACT.md). */
export async function benchCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { settlements: { type: 'string' }, months: { type: 'string' }, seed: { type: 'string' } });
  const n = Number(values.settlements ?? 1_000_000);
  if (!Number.isInteger(n) || n < 1000) throw new InputError('--settlements must be a whole number ≥ 1000', { field: 'settlements' });
  const r = await runBench({
    settlements: n,
    months: values.months ? Number(values.months) : undefined,
    seed: values.seed ? Number(values.seed) : undefined,
    log: (l) => io.err(`[bench] ${l}`),
  });
  fs.mkdirSync('bench', { recursive: true });
  // a run on a Citus coordinator is kept apart (bench/results-citus.json): the single-server figures stay the baseline
  const file = path.join('bench', r.citus_workers ? CITUS_RESULTS : 'results.json');
  const all = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, 'utf8')) as { latest?: BenchResult; runs?: BenchResult[] }) : {};
  const runs = [...(all.runs ?? []).filter((x) => x.settlements !== r.settlements), r].sort((a, b) => a.settlements - b.settlements);
  fs.writeFileSync(file, `${JSON.stringify({ latest: r, runs }, null, 2)}\n`);
  const single = r.citus_workers ? (JSON.parse(fs.readFileSync(path.join('bench', 'results.json'), 'utf8')) as { latest: BenchResult; runs: BenchResult[] }) : { latest: r, runs };
  fs.mkdirSync('docs', { recursive: true });
  fs.writeFileSync(path.join('docs', 'performance.md'), performanceMarkdown(single.latest, single.runs));
  const out = {
    settlements: r.settlements,
    ingest_vs_copy: r.ingest_vs_copy,
    recompute_vs_groupby: r.recompute_vs_groupby,
    recompute_vs_limit: r.recompute_vs_limit,
    incremental_vs_full: r.incremental_vs_full,
    dashboard_p95_ms: r.dashboard_p95_ms,
    dashboard_vs_raw: r.dashboard_vs_raw,
    dashboard_p95_at_20_ms: r.dashboard_p95_at_20_ms,
    adjudicate_visits_per_s: r.adjudicate_visits_per_s,
    whatif_visits_per_s: r.whatif_visits_per_s,
    ingest_peak_rss_mb: r.ingest_peak_rss_mb,
    backtest_ms: r.backtest_ms,
    realtime_p50_ms: r.realtime_p50_ms,
    realtime_p99_ms: r.realtime_p99_ms,
    realtime_checks_per_s: r.realtime_checks_per_s,
    recompute_peak_rss_mb: r.recompute_peak_rss_mb,
    detection: r.detection,
  };
  emit(io, values.json, out, () =>
    [
      `结算 settlements ${r.settlements}, 明细 fee lines ${r.fee_details}`,
      `ingest ÷ raw COPY (throughput)      ${r.ingest_vs_copy}   (goal ≥ 0.7; ingest ${r.ingest_ms} ms, COPY ${r.copy_ms} ms)`,
      `full recompute ÷ GROUP BY pass      ${r.recompute_vs_groupby}   (goal ≤ 1.5; GROUP BY ${r.groupby_ms} ms)`,
      `full recompute ÷ (GROUP BY + COPY)  ${r.recompute_vs_limit}   (goal ≤ 1.5; COPY of its rows ${r.recompute_writes_copy_ms} ms)`,
      `incremental ÷ full                  ${r.incremental_vs_full}   (goal ≤ 0.05; ${r.incremental_ms} ms)`,
      `dashboard p95                       ${r.dashboard_p95_ms} ms (goal ≤ 200), ÷ raw ${r.dashboard_vs_raw} (goal ≤ 0.2)`,
      `overview p95, 20 users at once      ${r.dashboard_p95_at_20_ms} ms (goal ≤ 500)`,
      `adjudication                        ${r.adjudicate_visits_per_s} visits/s (goal ≥ 500000)`,
      `policy what-if                      ${r.whatif_visits_per_s ?? '—'} visits/s (goal ≥ 1000000; ${r.whatif_ms ?? '—'} ms, first run from Postgres ${r.whatif_cold_ms ?? '—'} ms)`,
      `real-time check p50 / p99          ${r.realtime_p50_ms} / ${r.realtime_p99_ms} ms (goal p99 ≤ 50), ${r.realtime_checks_per_s} checks/s`,
      `back-test of one rule (ms, slowest per kind) ${Object.entries(r.backtest_ms ?? {}).map(([k, v]) => `${k} ${v}`).join(', ')} (goal ≤ 10000 at 1M)`,
      `peak RSS ingest / recompute         ${r.ingest_peak_rss_mb} / ${r.recompute_peak_rss_mb} MB (goal ≤ 300 for both)`,
      'detection precision / recall:',
      ...Object.entries(r.detection).map(([k, v]) => `  ${k.padEnd(24)} ${v.precision.toFixed(3)} / ${v.recall.toFixed(3)}`),
    ].join('\n'),
  );
  return 0;
}
