/**
 * Generated data for the dashboard tests and journeys. The generator settles clean claims with the
 * adjudication engine; when that engine (another issue) is not built yet, a plain stand-in settles
 * them (fund pays 60 % of the eligible amount), which is enough for the dashboard: it only reads
 * what was settled and the rollups/alerts computed from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from '../lib/db/client';
import { regions } from '../lib/db/schema';
import { DEMO_REGIONS } from '../lib/demo';
import { generate } from '../lib/generate';
import { loadEngine, type Engine } from '../lib/generate/engine';
import { ingestFiles } from '../lib/ingest';

const standIn: Engine = {
  async adjudicate(records) {
    return records.map((r) => {
      const eligible = Number(r.inscp_scp_amt ?? 0);
      return { setl_id: String(r.setl_id), fund_pay: (Math.round(eligible * 60) / 100).toFixed(2), deductible: '0.00', excluded: null };
    });
  },
};

export async function loadDashboardData(db: Db, opts: { persons?: number; months?: number } = {}): Promise<{ settlements: number; from: string; to: string }> {
  await db.insert(regions).values(DEMO_REGIONS).onConflictDoNothing();
  const engine = await loadEngine().catch(() => standIn);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dash-'));
  const g = await generate({ persons: opts.persons ?? 120, months: opts.months ?? 6, seed: 20240101, from: '2024-01', out: dir, engine });
  const files = ['institutions.ndjson', 'doctors.ndjson', 'settlements.ndjson', 'details.ndjson'].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  const r = await ingestFiles(db, files);
  fs.rmSync(dir, { recursive: true, force: true });
  return { settlements: r.inserted, from: g.from, to: g.to };
}
