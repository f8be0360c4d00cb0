/**
 * docs/performance.md from bench/results.json: the latest run's ratios against the goals, and the
 * growth curve over every size measured (each run is one size, side by side in one database).
 */
import { citusSection } from './citus-report';
import type { DayBatchTiming } from '../indicators/bench';
import type { BenchResult } from './run';

const goal = (ok: boolean) => (ok ? '✅' : '❌');

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * What the cores allow the ingest: its Node process and the Postgres backend running its COPYs share them, and Node's
 * main thread (parsing, validating, building the COPY text) is one thread. So the ingest takes at least
 * max(main thread, backend, (Node process + backend) / cores) whatever the overlap: the best ingest ÷ COPY this
 * machine permits for this code.
 */
function cpuLines(r: BenchResult): string[] {
  const c = r.ingest_cpu;
  if (!c || c.pg_ms === null) return [];
  const floor = Math.max(c.node_main_ms ?? 0, c.pg_ms, (c.node_ms + c.pg_ms) / r.machine.cpus);
  return [
    `Ingest CPU: Node ${sec(c.node_ms)}${c.node_main_ms === null ? '' : ` (main thread ${sec(c.node_main_ms)})`}, its Postgres backend ${sec(c.pg_ms)}${c.copy_pg_ms === null ? '' : `; the raw COPY's backend ${sec(c.copy_pg_ms)}`}.`,
    `On ${r.machine.cpus} cores this ingest cannot take less than ${sec(floor)}, so ingest ÷ COPY is at most ${(r.copy_ms / floor).toFixed(2)} here.`,
    '',
  ];
}

export function performanceMarkdown(latest: BenchResult, runs: BenchResult[]): string {
  const r = latest;
  const rows = [
    ['ingest ÷ raw COPY (throughput)', String(r.ingest_vs_copy), '≥ 0.7', goal(r.ingest_vs_copy >= 0.7)],
    ['full recompute ÷ one GROUP BY pass (time)', String(r.recompute_vs_groupby), '≤ 1.5', goal(r.recompute_vs_groupby <= 1.5)],
    ...(r.recompute_vs_limit === undefined
      ? []
      : [['full recompute ÷ (GROUP BY pass + raw COPY of the rows it writes) (time)', String(r.recompute_vs_limit), '≤ 1.5', goal(r.recompute_vs_limit <= 1.5)]]),
    ['incremental after one day’s batch (the day’s rollups, its month’s rules, all regions) ÷ full (time)', String(r.incremental_vs_full), '≤ 0.05', goal(r.incremental_vs_full <= 0.05)],
    ['dashboard p95', `${r.dashboard_p95_ms} ms`, '≤ 200 ms', goal(r.dashboard_p95_ms <= 200)],
    ...(r.dashboard_p95_at_20_ms === undefined
      ? []
      : [['overview p95, 20 inspectors at once (cached per region set and data version)', `${r.dashboard_p95_at_20_ms} ms`, '≤ 500 ms', goal(r.dashboard_p95_at_20_ms <= 500)]]),
    ['dashboard ÷ raw aggregation (time)', String(r.dashboard_vs_raw), '≤ 0.2', goal(r.dashboard_vs_raw <= 0.2)],
    ['adjudication', `${r.adjudicate_visits_per_s.toLocaleString('en')} visits/s`, '≥ 500,000', goal(r.adjudicate_visits_per_s >= 500_000)],
    ...(r.whatif_visits_per_s === undefined ? [] : [['policy what-if from memory (re-adjudicate twice + sums; first run reading Postgres in brackets)', `${r.whatif_visits_per_s.toLocaleString('en')} visits/s (${r.whatif_ms ?? 0} ms; first ${r.whatif_cold_ms ?? 0} ms)`, '≥ 1,000,000', goal(r.whatif_visits_per_s >= 1_000_000)]]),
    ...(r.realtime_p99_ms === undefined
      ? []
      : [['real-time check p50 / p99 (8 callers)', `${r.realtime_p50_ms} / ${r.realtime_p99_ms} ms, ${r.realtime_checks_per_s ?? '—'} checks/s`, 'p99 ≤ 50 ms', goal(r.realtime_p99_ms <= 50)]]),
    ['ingest peak RSS', `${r.ingest_peak_rss_mb} MB`, '≤ 300 MB', goal(r.ingest_peak_rss_mb <= 300)],
    ['recompute peak RSS (the full refresh after the ingest, its own process)', `${r.recompute_peak_rss_mb} MB`, '≤ 300 MB', goal(r.recompute_peak_rss_mb <= 300)],
  ];
  const bt = Object.values(r.backtest_ms ?? {});
  if (bt.length) rows.push(['back-test of one rule over the loaded year (slowest rule)', `${Math.max(...bt)} ms`, '≤ 10 s at 1M', goal(Math.max(...bt) <= 10_000)]);
  const det = Object.entries(r.detection).map(
    ([k, v]) => `| ${k} | ${v.precision.toFixed(3)} | ${v.recall.toFixed(3)} | ${goal(v.precision >= 0.9 && v.recall >= 0.95)} |`,
  );
  const growth = runs.map(
    (x) =>
      `| ${x.settlements.toLocaleString('en')} | ${x.commit ?? 'earlier'} | ${x.ingest_ms} | ${x.copy_ms} | ${x.ingest_vs_copy} | ${x.recompute_ms} | ${x.groupby_ms} | ${x.recompute_vs_groupby} | ${x.recompute_vs_limit ?? '—'} | ${x.incremental_ms} | ${x.incremental_vs_full} | ${x.dashboard_p95_ms} | ${x.dashboard_vs_raw} | ${x.dashboard_p95_at_20_ms ?? '—'} | ${x.ingest_peak_rss_mb} | ${x.recompute_peak_rss_mb} |`,
  );
  const pageNames = ['overview', 'alert_list', 'institutions', 'institution_profile', 'alert_detail'];
  const pages = runs.map((x) => {
    const d = x.dashboard as { pages?: Record<string, { p95_ms: number }>; raw?: { p95_ms: number } } | undefined;
    const raw = d?.raw?.p95_ms;
    const cell = (k: string) => {
      const v = d?.pages?.[k]?.p95_ms;
      return v === undefined ? '—' : `${v}${raw ? ` (${(v / raw).toFixed(3)})` : ''}`;
    };
    return `| ${x.settlements.toLocaleString('en')} | ${pageNames.map(cell).join(' | ')} | ${raw ?? '—'} |`;
  });
  const days = runs
    .filter((x) => x.day_batch)
    .map((x) => {
      const d = x.day_batch as DayBatchTiming;
      const full = x.recompute_steps.filter((st) => st.step !== 'adjudicate').reduce((a, st) => a + st.ms, 0);
      return `| ${x.settlements.toLocaleString('en')} | ${d.day} | ${d.settlements.toLocaleString('en')} | ${d.refresh_ms} | ${full} | ${x.incremental_vs_full} | ${d.adjudicate_ms} |`;
    });
  return [
    '# Performance',
    '',
    'Written by `npm run cli -- bench` (see `lib/bench/`). Every goal is a ratio measured in the same run, on the same',
    'database and the same rows, so machine drift moves both sides together. Raw numbers are in `bench/results.json`.',
    '',
    `Machine: ${r.machine.cpus} cores (${r.machine.cpu_model}), ${r.machine.memory_gb} GiB, Node ${r.machine.node}, Postgres ${r.machine.postgres}. Date: ${r.date}.`,
    `Data: ${r.settlements.toLocaleString('en')} settlements, ${r.fee_details.toLocaleString('en')} fee lines (generated, 12 months, five regions).`,
    '',
    '| measure | value | goal | |',
    '|---|---|---|---|',
    ...rows.map((x) => `| ${x.join(' | ')} |`),
    '',
    ...cpuLines(r),
    'Recompute steps (ms): ' + r.recompute_steps.map((s) => `${s.step} ${s.ms}`).join(', '),
    '',
    ...(bt.length ? ['Back-test ms per rule kind (slowest rule of the kind): ' + Object.entries(r.backtest_ms).map(([k, v]) => `${k} ${v}`).join(', '), ''] : []),
    '## Detection quality against truth.json',
    '',
    '| kind | precision | recall | |',
    '|---|---|---|---|',
    ...det,
    '',
    '## Growth curve',
    '',
    'Every size the bench has run, each on its own fresh database. `code` is the commit measured ("+": lib/ differed from',
    'it; "earlier": a run from before commits were recorded, on older code).',
    '',
    '| settlements | code | ingest ms | COPY ms | ingest÷COPY | recompute ms | GROUP BY ms | recompute÷GROUP BY | recompute÷limit | day refresh ms | day÷full | dashboard p95 ms | dashboard÷raw | overview p95 at 20 ms | ingest RSS MB | recompute RSS MB |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...growth,
    '',
    'Dashboard pages, p95 ms (÷ the raw aggregation of the same key indicators from the facts, its p95 in the last column):',
    '',
    '| settlements | overview | alert list | institutions | institution profile | alert detail | raw |',
    '|---|---|---|---|---|---|---|',
    ...pages,
    '',
    ...(days.length
      ? [
          'A day’s batch (the last day taken out, refreshed, put back as new settlements; the refresh after it timed):',
          '',
          '| settlements | day | its settlements | refresh ms (rollups + rules) | full indicators + rules ms | day÷full | re-adjudication ms (the day’s settlements) |',
          '|---|---|---|---|---|---|---|',
          ...days,
          '',
        ]
      : []),
    ...citusSection(runs),
    'How each figure grows with the data:',
    '',
    '- ingest and raw COPY: linear in rows (both stream; the ingest holds one chunk and a settlement index of the batch), so their ratio should stay flat; memory is bounded by the chunk size, not the file.',
    '- full recompute and its limit (one GROUP BY pass + a COPY of the rows written): both linear in rows; the ratio stays flat unless a step sorts on disk (work_mem) or re-reads the facts. The recompute uses both cores where the limit’s COPY uses one: its rollups are grouped by parallel workers (CREATE TABLE AS, then copied in) and its rules run on two connections reading one snapshot.',
    '- a day’s refresh: its features, the diff against ind_visits, what an insert-only batch adds to the institution-, doctor-, item- and diagnosis-months (sums of the day’s visits and lines; distinct persons by a probe of each of the day’s persons), the touched persons’ months (regrouped) and years (an insert-only batch adds to them), and the subject-local rules (visit, day and pair rules re-run for the subjects the changed days can alert, person rules for the changed persons) grow with the day. What still grows with the data: the period person counts’ masks of the touched persons (a day’s persons × their year), the peer rules over the month’s institution and doctor rollups (institutions × months), and TOP-FUND’s medians of every person’s year (persons; only the persons who can alert are ranked). Both sides of day÷full grow with the data, the day’s side by less, so the ratio falls slowly as the data grows only if the peer and ranking rules do; the re-adjudication is timed apart (its own column): an insert-only day appends its settlements to their persons’ running totals, so it grows with the day.',
    '- dashboard pages: read monthly rollups, which grow with institutions × months and persons × months (the person rollup and the region-period counts), not with visits; the institution profile reads its own months, items and diagnoses and the top of an index for its costliest claims. The alert list and the overview’s alert panels read the alerts of the period, which grow with the data (person rules alert persons). The overview is cached per region set and data version, so concurrent readers cost one computation per batch.',
    '',
  ].join('\n');
}
