/**
 * The cluster section of docs/performance.md, from bench/results-citus.json (a `bench` run with DATABASE_URL of a
 * Citus coordinator) beside the single-server run nearest in size.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BenchResult } from './run';

export const CITUS_RESULTS = 'results-citus.json';
const PROJECTION = path.join('bench', 'citus-projection.md');

export function citusSection(single: BenchResult[]): string[] {
  const file = path.join('bench', CITUS_RESULTS);
  // the notes from the cluster runs (hand-written: what was measured, what is projected, and why)
  const notes = fs.existsSync(PROJECTION) ? fs.readFileSync(PROJECTION, 'utf8').trimEnd().split('\n') : [];
  if (!fs.existsSync(file)) return notes.length ? ['## On a Citus cluster', '', ...notes, ''] : [];
  const c = (JSON.parse(fs.readFileSync(file, 'utf8')) as { latest: BenchResult }).latest;
  const s = [...single].sort((a, b) => Math.abs(a.settlements - c.settlements) - Math.abs(b.settlements - c.settlements))[0];
  const row = (name: string, f: (r: BenchResult) => string) => `| ${name} | ${s ? f(s) : '—'} | ${f(c)} |`;
  const workers = c.citus_workers ?? [];
  return [
    '## On a Citus cluster',
    '',
    `Measured ${c.date.slice(0, 10)}: \`bench --settlements ${c.settlements}\` with DATABASE_URL of a Citus 13.2 coordinator (Postgres ${c.machine.postgres}) and 2 workers,`,
    `all three on this machine (${c.machine.cpus} cores, ${c.machine.memory_gb} GB), laid out by \`db distribute\` (docs/scale-out.md). A modest size: the machine is shared,`,
    `and three servers on ${c.machine.cpus} cores measure coordination overhead, not scale. Beside it the single-server run nearest in size${s ? ` (${s.settlements.toLocaleString('en')} settlements, Postgres ${s.machine.postgres})` : ''}.`,
    '',
    '| | one Postgres | Citus, 2 workers |',
    '|---|---|---|',
    row('settlements / fee lines', (r) => `${r.settlements.toLocaleString('en')} / ${r.fee_details.toLocaleString('en')}`),
    row('ingest ÷ raw COPY (throughput)', (r) => `${r.ingest_vs_copy} (${r.ingest_ms} ms vs ${r.copy_ms} ms)`),
    row('full recompute ÷ one GROUP BY pass', (r) => `${r.recompute_vs_groupby} (${r.recompute_ms} ms; GROUP BY ${r.groupby_ms} ms)`),
    row('incremental ÷ full', (r) => `${r.incremental_vs_full} (${r.incremental_ms} ms)`),
    row('dashboard p95', (r) => `${r.dashboard_p95_ms} ms (÷ raw ${r.dashboard_vs_raw})`),
    row('ingest peak RSS', (r) => `${r.ingest_peak_rss_mb} MB`),
    '',
    'Recompute steps on the cluster (ms): ' + c.recompute_steps.map((x) => `${x.step} ${x.ms}`).join(', '),
    '',
    'Work per node after the ingest (settlement rows counted on each shard; bytes of all distributed tables):',
    '',
    '| node | shards | settlements | MB |',
    '|---|---|---|---|',
    ...workers.map((w) => `| ${w.node} | ${w.shards} | ${w.settlements.toLocaleString('en')} | ${(w.bytes / 2 ** 20).toFixed(0)} |`),
    '',
    ...notes,
    '',
  ];
}
