/**
 * `rules list [--json] [--region CODE]`: every rule with its name, legal basis, the national default thresholds
 * ({id, nameZh, thresholds:{key: value}, basis:[{doc, clause}]}) and, per region, the thresholds in force today and
 * where each comes from (`regions`).
 */
import { getDb } from '../db/client';
import { scopedClient } from '../db/scoped-client';
import { SYSTEM } from '../db/scoped';
import { InputError } from '../errors';
import { dateOnly } from '../format';
import { ruleCatalogue } from '../rules/catalogue';
import { emit, parse, type Io } from './args';

const SOURCE = { default: '全国默认', override: '地区文件', version: '调整版本' } as const;

export async function rulesListCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { region: { type: 'string' } });
  if (values.region !== undefined && !/^\d{6}$/.test(values.region)) throw new InputError(`--region 应为 6 位区划代码：${values.region}`, { field: '--region' });
  const db = await getDb();
  const today = dateOnly(new Date());
  const out = await scopedClient(
    db,
    SYSTEM,
    async (c) => {
      const regions = values.region ? [values.region] : (await c.query<{ code: string }>('select code from regions order by code')).rows.map((r) => r.code);
      return ruleCatalogue(c, regions, today);
    },
    { readOnly: true },
  );
  emit(io, values.json, out, () =>
    [
      `共 ${out.length} 条规则（阈值为 ${today} 在用值）`,
      ...out.map((r) => {
        const th = Object.entries(r.thresholds).map(([k, v]) => `${k}=${v}`).join(' ');
        const local = r.regions
          .flatMap((g) => Object.entries(g.thresholds).filter(([, t]) => t.source !== 'default').map(([k, t]) => `${g.region} ${k}=${t.value}（${SOURCE[t.source]}）`))
          .join('；');
        return `${r.id} ${r.nameZh}${th ? ` · 阈值 ${th}` : ' · 无阈值'}${local ? ` · 地区差异 ${local}` : ''} · 依据 ${r.basis.map((b) => `${b.doc}${b.clause}`).join('、') || '—'}`;
      }),
    ].join('\n'),
  );
  return 0;
}
