/**
 * Issue 20: a batch is refreshed by the days it changed. A generated data set arrives as day-sized batches in random
 * order, with reloads, corrections that move a visit to another day and reversals; after each batch the pipeline runs
 * its day refresh. The rollups and the alerts must then be exactly what one full recompute makes of the same facts.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readjudicate } from '../lib/adjudication/bulk';
import { generate } from '../lib/generate';
import { refreshIndicators, ROLLUP_TABLES } from '../lib/indicators/refresh';
import { recompute, recomputeScope } from '../lib/cli/recompute';
import { ingestFiles } from '../lib/ingest';
import { runRules } from '../lib/rules/run';
import { testDatabase } from './db';

type Row = Record<string, unknown> & { setl_id: string; setl_time: string };

/** mulberry32: the batches are random but the same on every run (a failure can be replayed) */
function prng(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const readLines = (f: string) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
const nextDay = (t: string) => {
  const d = new Date(Date.parse(`${t.slice(0, 10)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return `${d}${t.slice(10)}`;
};

async function snapshot(db: Awaited<ReturnType<typeof testDatabase>>['db']): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of ROLLUP_TABLES) {
    const r = await db.$client.query<{ x: string }>(`select t::text as x from ${t} t order by 1`);
    out[t] = r.rows.map((x) => x.x);
  }
  const a = await db.$client.query<{ x: string }>(
    `select concat_ws('|', region_code, rule_id, subject_type, subject_id, period_key, status, value, threshold, peer_median, percentile, robust_z,
       amount, evidence::text, explanation) as x from alerts order by 1`,
  );
  out.alerts = a.rows.map((x) => x.x);
  const adj = await db.$client.query<{ x: string }>(
    `select concat_ws('|', admdvs, setl_id, setl_time, psn_no, policy_id, deductible, eligible, rate_bp, fund_pay, self_pay, year_fund_paid, year_deductible_paid,
       capped, excluded, clause, error, settled_fund_pay) as x from adjudications order by 1`,
  );
  out.adjudications = adj.rows.map((x) => x.x);
  return out;
}

describe('day-sized batches', () => {
  it('random day batches with reloads, moved visits and reversals give the rollups and alerts of one full recompute', async () => {
    const { db } = await testDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-days-'));
    await generate({ persons: 220, months: 3, seed: 20, out: dir });
    const rnd = prng(7);
    const settlements = readLines(path.join(dir, 'settlements.ndjson'));
    const details = readLines(path.join(dir, 'details.ndjson'));
    const linesOf = new Map<string, Row[]>();
    for (const d of details) linesOf.set(d.setl_id, [...(linesOf.get(d.setl_id) ?? []), d]);
    const byDay = new Map<string, Row[]>();
    for (const s of settlements) byDay.set(s.setl_time.slice(0, 10), [...(byDay.get(s.setl_time.slice(0, 10)) ?? []), s]);
    const days = [...byDay.keys()].sort((a, b) => (a < b ? -1 : 1));
    // arrival order: mostly in order, a few days late (a hospital sends yesterday's claims with today's)
    for (let i = days.length - 1; i > 0; i--) {
      if (rnd() < 0.15) {
        const j = Math.max(0, i - 1 - Math.floor(rnd() * 5));
        [days[i], days[j]] = [days[j] as string, days[i] as string];
      }
    }
    await ingestFiles(db, ['institutions.ndjson', 'doctors.ndjson'].map((f) => path.join(dir, f)));

    let n = 0;
    const write = (rows: Row[], kind: string) => {
      const f = path.join(dir, `b${++n}-${kind}.ndjson`);
      fs.writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return f;
    };
    const loaded: Row[] = [];
    const batchFiles: string[][] = [];
    let i = 0;
    while (i < days.length) {
      const k = 1 + Math.floor(rnd() * 2);
      const s = days.slice(i, i + k).flatMap((d) => byDay.get(d) ?? []);
      i += k;
      const files = [write(s, 's'), write(s.flatMap((x) => linesOf.get(x.setl_id) ?? []), 'd')];
      batchFiles.push(files);
      await ingestFiles(db, files);
      loaded.push(...s);
      const r = rnd();
      if (r < 0.15 && batchFiles.length > 1) {
        // a reload of an earlier batch: nothing changes
        await ingestFiles(db, batchFiles[Math.floor(rnd() * (batchFiles.length - 1))] as string[]);
      } else if (r < 0.35 && loaded.length > 20) {
        // corrections: earlier visits re-sent a day later (they leave their day), and reversals (same-id form)
        const pick = () => loaded[Math.floor(rnd() * loaded.length)] as Row;
        const moved = [pick(), pick()].map((x) => ({ ...x, setl_time: nextDay(x.setl_time) }));
        const reversed = [pick(), pick(), pick()].filter((x) => !moved.some((m) => m.setl_id === x.setl_id)).map((x) => ({ ...x, refd_setl_flag: '1' }));
        await ingestFiles(db, [write([...moved, ...reversed], 'c')]);
      }
    }
    const b = await db.$client.query<{ n: number; days: number }>(
      `select count(*)::int as n, count(*) filter (where days is not null and days <> '{}')::int as days from ingest_batches where months <> '{}'`,
    );
    // every claim batch was refreshed by its days (none fell back to whole months)
    expect(b.rows[0]?.days).toBe(b.rows[0]?.n);
    expect(b.rows[0]?.n).toBeGreaterThan(days.length / 2);
    const incremental = await snapshot(db);
    expect(incremental.ind_visits?.length).toBeGreaterThan(300);
    expect(incremental.alerts?.length).toBeGreaterThan(0);

    const full = { months: [], regionCodes: [], full: true };
    await readjudicate(db, full);
    await refreshIndicators(db, full);
    await runRules(db, full);
    const rebuilt = await snapshot(db);
    for (const t of Object.keys(rebuilt)) expect({ t, rows: incremental[t] }).toEqual({ t, rows: rebuilt[t] });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 600_000);

  it('recompute after batches loaded without their pipeline refreshes their days; a master-data batch makes it whole months', async () => {
    const { db } = await testDatabase();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-days-'));
    await generate({ persons: 40, months: 2, seed: 3, out: dir });
    const settlements = readLines(path.join(dir, 'settlements.ndjson'));
    const details = readLines(path.join(dir, 'details.ndjson'));
    const days = [...new Set(settlements.map((s) => s.setl_time.slice(0, 10)))].sort();
    const split = days[Math.floor(days.length / 2)] as string;
    const part = (early: boolean) => {
      const s = settlements.filter((x) => x.setl_time.slice(0, 10) < split === early);
      const ids = new Set(s.map((x) => x.setl_id));
      const f = [path.join(dir, `s${early}.ndjson`), path.join(dir, `d${early}.ndjson`)];
      fs.writeFileSync(f[0] as string, s.map((x) => JSON.stringify(x)).join('\n'));
      fs.writeFileSync(f[1] as string, details.filter((d) => ids.has(d.setl_id)).map((x) => JSON.stringify(x)).join('\n'));
      return { files: f, days: [...new Set(s.map((x) => x.setl_time.slice(0, 10)))].sort() };
    };
    const early = part(true);
    const late = part(false);
    await ingestFiles(db, [path.join(dir, 'institutions.ndjson'), path.join(dir, 'doctors.ndjson'), ...early.files]);
    await recompute(db, { full: true });
    await ingestFiles(db, late.files, { pipeline: false });
    const s1 = await recomputeScope(db, {});
    expect(s1.mode).toBe('incremental');
    expect(s1.scope.days).toEqual(late.days);
    await recompute(db, {});
    const incremental = await snapshot(db);
    await recompute(db, { full: true });
    expect(incremental).toEqual(await snapshot(db));
    // an institution changed: its months are refreshed whole (no days)
    const inst = readLines(path.join(dir, 'institutions.ndjson'))[0] as Record<string, unknown>;
    fs.writeFileSync(path.join(dir, 'inst2.ndjson'), JSON.stringify({ ...inst, fixmedins_name: `${String(inst.fixmedins_name)}（更名）` }));
    await ingestFiles(db, [path.join(dir, 'inst2.ndjson')], { pipeline: false });
    const s2 = await recomputeScope(db, {});
    expect(s2.mode).toBe('incremental');
    expect(s2.scope.days).toBeUndefined();
    expect(s2.scope.months.length).toBeGreaterThan(0);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 600_000);
});
