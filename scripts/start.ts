/**
 * `npm start`: database up (embedded unless DATABASE_URL), migrations, demo data when empty,
 * a production build when sources changed since the last one, then `next start` on PORT.
 * The embedded server keeps running if this process is killed; the next start reuses it.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { closeDb, databaseUrl, getDb } from '../lib/db/client';
import { runMigrations } from '../lib/db/migrate';
import { isEmpty, loadDemo } from '../lib/demo';
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
  const db = await getDb();
  const m = await runMigrations(db);
  console.log(`数据库就绪 database ready (${m.applied} new migrations)`);
  // A malformed policy file stops start-up here, naming the file and the field.
  const policies = await syncPolicyVersions(db, loadPolicies());
  console.log(`政策已加载 policies loaded: ${policies}`);
  if (await isEmpty(db)) {
    console.log('数据库为空，正在加载演示数据 loading demo data…');
    const demo = await loadDemo(db);
    console.log(`演示数据已加载 demo data loaded: ${JSON.stringify(demo)}`);
  }
  if (!dev && needsBuild()) {
    console.log('正在构建 building the app…');
    const b = spawnSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], { stdio: 'inherit', env: process.env });
    if (b.status !== 0) throw new Error('next build failed');
  }
  // The CLI (digest links) reads the address this app serves on from DATA_DIR when APP_URL is not set.
  fs.mkdirSync(dataDir(), { recursive: true });
  fs.writeFileSync(servedUrlFile(), JSON.stringify({ url: `http://localhost:${PORT}` }));
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
  const stop = async (signal: NodeJS.Signals) => {
    worker.kill(signal);
    child.kill(signal);
    await new Promise((r) => child.once('exit', r));
    await closeDb();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  child.once('exit', async (code) => {
    await closeDb();
    process.exit(code ?? 0);
  });
}

main().catch(async (e: unknown) => {
  console.error(`启动失败 start failed: ${(e as Error).message}`);
  await closeDb().catch(() => undefined);
  process.exit(1);
});
