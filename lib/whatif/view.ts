/**
 * What the impact page and its XLSX export show for a saved scenario: the scenario, the published version
 * it was drafted from, the re-adjudication of its region over the chosen period, and institution names.
 * The default period is the loaded history inside the scenario's dates (from the region's monthly rollup).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { scoped, type Actor } from '../db/scoped';
import { loadPolicies, type Policy } from '../policies';
import { runWhatif, type WhatifResult } from './run';
import { getScenario, type SavedScenario } from './store';

export interface Impact {
  saved: SavedScenario;
  base: Policy | undefined;
  result: WhatifResult;
  names: Map<string, string>;
}

const lastDay = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y ?? 1970, m ?? 1, 0)).toISOString().slice(0, 10);
};

/** The loaded months of a region inside the scenario's dates: the page's default period. */
export async function defaultPeriod(db: Db, actor: Actor, s: Policy, region: string): Promise<{ from: string; to: string }> {
  const r = await scoped(db, actor, (tx) =>
    tx.execute<{ lo: string | null; hi: string | null }>(
      sql`select to_char(min(month), 'YYYY-MM') as lo, to_char(max(month), 'YYYY-MM') as hi from ind_region_month where region_code = ${region}`,
    ),
  );
  const lo = r.rows[0]?.lo ? `${r.rows[0].lo}-01` : s.effective_from;
  const hi = r.rows[0]?.hi ? lastDay(r.rows[0].hi) : (s.effective_to ?? s.effective_from);
  const from = lo > s.effective_from ? lo : s.effective_from;
  const end = s.effective_to ?? '9999-12-31';
  const to = hi < end ? hi : end;
  // a scenario whose dates miss the loaded history: show its first year (nothing to re-adjudicate there)
  return from <= to ? { from, to } : { from: s.effective_from, to: `${s.effective_from.slice(0, 4)}-12-31` };
}

export async function scenarioImpact(db: Db, actor: Actor, id: number, period: { from?: string; to?: string }): Promise<Impact> {
  const saved = await getScenario(db, actor, id);
  const policies = loadPolicies();
  const base = policies.policies.find((p) => p.id === saved.basePolicyId);
  const def = period.from && period.to ? { from: period.from, to: period.to } : await defaultPeriod(db, actor, saved.body, saved.regionCode);
  const result = await runWhatif(db, actor, policies, {
    scenario: saved.body,
    basePolicy: base,
    region: saved.regionCode,
    from: period.from || def.from,
    to: period.to || def.to,
    cache: true,
  });
  const codes = [...new Set([...result.byInstitution.map((i) => i.code), ...result.changed.map((c) => c.fixmedinsCode)])];
  const names = new Map<string, string>();
  if (codes.length) {
    const rows = await scoped(db, actor, (tx) =>
      tx.execute<{ code: string; name: string }>(
        sql`select fixmedins_code as code, fixmedins_name as name from institutions where region_code = ${saved.regionCode} and fixmedins_code in (${sql.join(
          codes.map((c) => sql`${c}`),
          sql`, `,
        )})`,
      ),
    );
    for (const r of rows.rows) names.set(r.code, r.name);
  }
  return { saved, base, result, names };
}

/** Labels of the changed fields, for pages and exports. */
export function changeLabel(field: string): string {
  const key: Record<string, string> = { '1': '一类/一级', '2': '二类/二级', '3': '三类/三级', pharmacy: '定点零售药店' };
  const parts = field.split('.');
  const last = parts[parts.length - 1] ?? '';
  if (field.startsWith('deductible.amounts_fen.')) return `起付线（${key[last] ?? last}）`;
  if (field === 'deductible.annual_cap_fen') return '年度起付累计上限';
  if (field === 'deductible.annual_fen') return '年度起付线';
  if (field === 'deductible.mode') return '起付方式';
  if (field.startsWith('rates_bp.in_service.')) return `在职支付比例（${key[last] ?? last}）`;
  if (field.startsWith('rates_bp.retired.')) return `退休支付比例（${key[last] ?? last}）`;
  if (field === 'annual_cap_fen.in_service') return '在职年度最高支付限额';
  if (field === 'annual_cap_fen.retired') return '退休年度最高支付限额';
  if (field === 'annual_cap_fen.pharmacy_counts') return '药店支付计入年度限额';
  if (field === 'pharmacies_covered') return '定点零售药店纳入统筹';
  return field;
}

/** A changed value as a person reads it: 元 for amounts, % for rates, 是/否. */
export function changeValue(field: string, v: unknown): string {
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (v === null || v === undefined) return '无';
  if (typeof v !== 'number') return String(v);
  if (field.startsWith('rates_bp.')) return `${v / 100}%`;
  return `${(v / 100).toFixed(2)} 元`;
}
