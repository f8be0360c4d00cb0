import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureEmbedded, stopEmbedded } from '../lib/db/embedded';
import { runCli, testDatabase } from './db';

describe('foundation', () => {
  it('creates the partitioned fact tables and refuses audit changes', async () => {
    const { db } = await testDatabase();
    const c = db.$client;
    const parts = await c.query<{ relname: string }>(
      "select c.relname from pg_partitioned_table p join pg_class c on c.oid = p.partrelid order by 1",
    );
    expect(parts.rows.map((r) => r.relname)).toEqual(['adjudications', 'fee_details', 'settlements']);
    const created = await c.query<{ n: number }>("select ensure_fact_partitions('2024-06-01', '2024-07-01') as n");
    expect(created.rows[0]?.n).toBe(6);
    // A settlement at 2024-07-01 00:30 Shanghai time (2024-06-30 16:30 UTC) lands in the July partition.
    await c.query(`insert into settlements (admdvs, setl_id, setl_time, psn_no, psn_type, fixmedins_code, fixmedins_type, hosp_lv, med_type, insutype, medfee_sumamt, inscp_scp_amt, row_hash)
      values ('140500', 'S1', '2024-07-01 00:30:00+08', 'P1', '1101', 'H1', 'hospital', 1, '11', '310', 10000, 9000, 'x')`);
    const where = await c.query<{ t: string }>("select tableoid::regclass::text as t from settlements where setl_id = 'S1'");
    expect(where.rows[0]?.t).toBe('settlements_202407');
    await c.query("insert into audit_log (actor, action, entity) values ('test', 'sign_in', 'user')");
    await expect(c.query("update audit_log set actor = 'x'")).rejects.toThrow(/append-only/);
    await expect(c.query('delete from audit_log')).rejects.toThrow(/append-only/);
  });

  it('db migrate is idempotent through the CLI, with --json', async () => {
    const { url } = await testDatabase();
    const first = await runCli(['db', 'migrate', '--json'], { url });
    expect(first.code).toBe(0);
    const journal = JSON.parse(fs.readFileSync('drizzle/meta/_journal.json', 'utf8')) as { entries: unknown[] };
    expect(JSON.parse(first.stdout)).toEqual({ applied: 0, total: journal.entries.length });
    const bad = await runCli(['no-such-command'], { url });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('no-such-command');
  });

  describe('a new embedded DATA_DIR, reached by a first CLI command', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-first-'));
    afterAll(async () => {
      await stopEmbedded(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('is migrated on first use, so `alerts --json` answers instead of failing on a missing table', async () => {
      const r = await runCli(['alerts', '--json'], { url: '', env: { DATA_DIR: dir, DATABASE_URL: '' } });
      expect(r.stderr).not.toMatch(/internal error|does not exist/);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }, 120_000);
  });

  describe('a second embedded instance, reached through DATABASE_URL', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-second-'));
    afterAll(async () => {
      await stopEmbedded(dir);
      fs.rmSync(dir, { recursive: true, force: true });
    });

    it('migrates it, keeps data across a restart, and lets two processes share it', async () => {
      process.env.OFM_KEEP_DB = '1';
      const handle = await ensureEmbedded(dir);
      const r = await runCli(['db', 'migrate', '--json'], { url: handle.url });
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).applied).toBeGreaterThan(0);
      const c = new pg.Client({ connectionString: handle.url });
      await c.connect();
      await c.query("insert into regions values ('140500', '晋城市', '14')");
      await c.end();
      // A second process joins the running server instead of starting another one.
      const joined = await ensureEmbedded(dir);
      expect(joined.url).toBe(handle.url);
      await stopEmbedded(dir);
      const again = await ensureEmbedded(dir);
      const c2 = new pg.Client({ connectionString: again.url });
      await c2.connect();
      const { rows } = await c2.query('select name from regions');
      await c2.end();
      expect(rows).toEqual([{ name: '晋城市' }]);
    });
  });
});
