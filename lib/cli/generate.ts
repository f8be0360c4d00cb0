import { InputError } from '../errors';
import { generate } from '../generate';
import { emit, parse, type Io } from './args';

function positiveInt(v: string | undefined, field: string, def?: number): number {
  if (v === undefined) {
    if (def !== undefined) return def;
    throw new InputError(`缺少参数 --${field} is required`, { field: `--${field}` });
  }
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000_000) throw new InputError(`--${field} 应为正整数 must be a positive integer: "${v}"`, { field: `--${field}` });
  return Number(v);
}

/** `generate --persons N --months M --seed S --out DIR [--from YYYY-MM]` (CONTRACT.md) */
export async function generateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, {
    persons: { type: 'string' },
    months: { type: 'string' },
    seed: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
  });
  if (!values.out) throw new InputError('缺少参数 --out DIR is required', { field: '--out' });
  if (values.from !== undefined && !/^\d{4}-(0[1-9]|1[0-2])$/.test(values.from)) throw new InputError(`--from 应为 YYYY-MM: "${values.from}"`, { field: '--from' });
  if (values.seed !== undefined && !/^\d+$/.test(values.seed)) throw new InputError(`--seed 应为非负整数: "${values.seed}"`, { field: '--seed' });
  const r = await generate({
    persons: positiveInt(values.persons, 'persons'),
    months: positiveInt(values.months, 'months', 12),
    seed: Number(values.seed ?? 1) >>> 0,
    out: values.out,
    from: values.from,
  });
  emit(io, values.json, r, () =>
    `已生成 generated ${r.settlements} 笔结算 settlements, ${r.details} 条明细 details, ${r.institutions} 家机构 institutions, ${r.doctors} 名医师 doctors, ${r.anomalies} 个注入异常 anomalies (${r.from} – ${r.to}) → ${r.out} in ${(r.ms / 1000).toFixed(1)} s`,
  );
  return 0;
}
