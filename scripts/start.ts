/**
 * `npm start`: database up (embedded unless DATABASE_URL), migrations, demo data when empty,
 * a production build when sources changed since the last one, then `next start` on PORT.
 * The embedded server keeps running if this process is killed; the next start reuses it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeDb, databaseUrl, getDb } from '../lib/db/client';
import { embeddedLocation } from '../lib/db/embedded';
import { runMigrations } from '../lib/db/migrate';
import { demoSet, isEmpty, loadDemo } from '../lib/demo';
import { finishStaleBatches } from '../lib/ingest/stale';
import { refreshStoredBasis } from '../lib/alerts/basis-refresh';
import { inTransaction } from '../lib/indicators/sql';
import { loadPolicies, syncPolicyVersions } from '../lib/policies';
import { dataDir, env, servedUrlFile } from '../lib/env';

const t0 = Date.now();
const dev = process.argv.includes('--dev');
const root = process.cwd();

function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function needsBuild(): boolean {
  const id = path.join(root, process.env.NEXT_DIST_DIR || '.next', 'BUILD_ID');
  if (!fs.existsSync(id)) return true;
  const built = fs.statSync(id).mtimeMs;
  const sources = ['app', 'lib', 'components', 'policies'].map((d) => newestMtime(path.join(root, d)));
  const configs = ['next.config.js', 'package.json', 'tsconfig.json'].map((f) => (fs.existsSync(f) ? fs.statSync(f).mtimeMs : 0));
  return Math.max(...sources, ...configs) > built;
}

async function main() {
  const { PORT } = env();
  const url = await databaseUrl();
  const loc = env().DATABASE_URL ? undefined : await embeddedLocation(dataDir());
  if (loc?.relocated) {
    // as root, a clone in a private home (mode 0700) is out of the postgres user's reach (lib/db/embedded.ts)
    console.log(
      `postgres 用户无法进入 ${dataDir()}，数据库文件在 ${loc.pgdata}，程序在 ${loc.bin}（日志 ${loc.log}）\n` +
        `  the postgres user cannot enter ${dataDir()}: database files in ${loc.pgdata}, binaries in ${loc.bin} (log ${loc.log})`,
    );
  } else if (loc) {
    console.log(`数据库文件 database files: ${loc.pgdata}`);
  }
  const db = await getDb();
  const m = await runMigrations(db);
  console.log(`数据库就绪 database ready (${m.applied} new migrations)`);
  // batches a killed server or CLI left 进行中 (their transaction rolled back) are marked failed, not running for ever
  const stale = await finishStaleBatches(db);
  if (stale.length) console.log(`已将 ${stale.length} 个中断的导入批次标为失败 stale ingest batches marked failed: ${stale.join(', ')}`);
  // A malformed policy file stops start-up here, naming the file and the field.
  const policies = await syncPolicyVersions(db, loadPolicies());
  console.log(`政策已加载 policies loaded: ${policies}`);
  // The build (no database needed) runs while the demo loads: on a first start the two take about as long.
  let build: Promise<void> = Promise.resolve();
  if (!dev && needsBuild()) {
    console.log('正在构建 building the app…');
    const b = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { stdio: 'inherit', env: process.env });
    build = new Promise((resolve, reject) => {
      b.once('error', reject);
      b.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`构建失败 next build failed (exit ${code})`))));
    });
    process.once('exit', () => b.kill('SIGTERM'));
    build.catch(() => undefined); // awaited below; a failure then stops start-up
  }
  // The CLI (digest links) reads the address this app serves on from DATA_DIR when APP_URL is not set.
  fs.mkdirSync(dataDir(), { recursive: true });
  fs.writeFileSync(servedUrlFile(), JSON.stringify({ url: `http://localhost:${PORT}` }));
  if (await isEmpty(db)) {
    const set = demoSet();
    console.log(`数据库为空，正在加载演示数据 loading demo data (OFM_DEMO=${process.env.OFM_DEMO || 'city'}: ${set.persons} 人 persons × ${set.months} 月 months)…`);
    const demo = await loadDemo(db, { set });
    console.log(
      `演示数据已加载 demo data loaded: ${demo.settlements} 笔结算 settlements, ${demo.details} 条明细 details (${demo.from} – ${demo.to}) in ${(demo.ms / 1000).toFixed(1)} s; ` +
        `登录 sign in: ${demo.users.map((u) => `${u.email} / ${u.password}`).join(', ')}`,
    );
  }
  // Stored alerts cite what policies/basis/catalogue.json gives their region today (a corrected catalogue takes effect on restart).
  const basis = await inTransaction(db, (c) => refreshStoredBasis(c));
  if (basis.updated) console.log(`预警依据已按地区更新 alert basis refreshed: ${basis.updated}`);
  await build;
  const child = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), dev ? 'dev' : 'start', '-p', String(PORT)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, DATABASE_URL: url, NEXT_TELEMETRY_DISABLED: '1' },
  });
  child.stdout.on('data', (chunk: Buffer) => {
    process.stdout.write(chunk);
    if (/Ready|ready/.test(chunk.toString())) {
      console.log(`\n门诊统筹基金监管 ready: http://localhost:${PORT}  (cold start ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  });
  // Mail worker (issue 9): the pg-boss process for the weekly digest, on the same database; stopped with the app.
  const worker = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'lib/mail/worker-main.ts')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DATABASE_URL: url },
  });
  process.once('exit', () => worker.kill('SIGTERM'));
  // The embedded server stops with the last process that uses it (closeDb): wait for the app and the mail worker to be
  // gone first, or the server outlives `npm start` (seen: Postgres still up after SIGTERM while the worker held a connection).
  const exited = (p: ChildProcess) =>
    p.exitCode !== null || p.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => p.once('exit', () => resolve()));
  const both = () => Promise.race([Promise.all([exited(child), exited(worker)]), new Promise((resolve) => setTimeout(resolve, 15_000))]);
  let stopping = false;
  const stop = async (signal: NodeJS.Signals, code = 0) => {
    if (stopping) return;
    stopping = true;
    worker.kill(signal);
    child.kill(signal);
    await both();
    await closeDb();
    process.exit(code);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  child.once('exit', (code) => void stop('SIGTERM', code ?? 0));
}

main().catch(async (e: unknown) => {
  console.error(`启动失败 start failed: ${(e as Error).message}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
});
