/**
 * Work the bench runs in a process of its own, so that its peak RSS is its own:
 *   node --import tsx lib/bench/child.ts ingest <file…>
 *   node --import tsx lib/bench/child.ts recompute
 * Prints one JSON line {ms, peak_rss_mb, result}.
 */
import { closeDb, getDb } from '../db/client';
import { ingestFiles } from '../ingest';
import { CopyBackendCpu, cpuMeter } from './cpu';
import { afterIngest } from '../pipeline/after-ingest';

async function main() {
  const [task, ...files] = process.argv.slice(2);
  const db = await getDb();
  const t = performance.now();
  let result: unknown;
  if (task === 'ingest') {
    const pg = await CopyBackendCpu.start(db.$client);
    const cpu = process.cpuUsage();
    const main = cpuMeter(process.pid, process.pid);
    const r = await ingestFiles(db, files, { pipeline: false });
    const node = process.cpuUsage(cpu);
    result = {
      inserted: r.inserted,
      updated: r.updated,
      unchanged: r.unchanged,
      rejected: r.rejected,
      cpu: { node_ms: Math.round((node.user + node.system) / 1000), node_main_ms: main(), pg_ms: pg.stop() },
    };
  } else if (task === 'recompute') {
    const steps = await afterIngest(db, { months: [], regionCodes: [], full: true });
    result = steps.map((s) => ({ step: s.step, ms: s.ms }));
  } else {
    throw new Error(`unknown bench task ${task}`);
  }
  const ms = performance.now() - t;
  await closeDb();
  process.stdout.write(`${JSON.stringify({ ms, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), result })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(2);
});
