/**
 * A scenario drafted in the browser (模拟调整): the published version's body with the numbers a person
 * changed, for one pooling area, under its own id. Validated exactly as a policy file; a bad field is an
 * InputError naming it in Chinese. Amounts come in 元 and rates in %, both as typed.
 */
import { InputError } from '../errors';
import type { Policy } from '../policies';
import { parseScenario } from './scenario';

export const DRAFT_KEYS = ['1', '2', '3', 'pharmacy'] as const;
export type DraftKey = (typeof DRAFT_KEYS)[number];

export interface DraftInput {
  /** deductible per visit by key (per_visit mode) or the annual amount (annual mode), 元 */
  deductible: Partial<Record<DraftKey, string>>;
  deductibleAnnual?: string;
  /** per_visit mode: the year's deductible total after which none is charged, 元; '' = none */
  deductibleCap?: string;
  rateInService: Partial<Record<DraftKey, string>>;
  rateRetired: Partial<Record<DraftKey, string>>;
  capInService: string;
  capRetired: string;
  pharmacyCounts: boolean;
  pharmaciesCovered: boolean;
}

export const FIELD_LABEL: Record<string, string> = {
  '1': '一类/一级',
  '2': '二类/二级',
  '3': '三类/三级',
  pharmacy: '定点零售药店',
};

function fen(v: string | undefined, field: string, label: string): number {
  const s = (v ?? '').trim().replace(/,/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) throw new InputError(`${label}：请填写不小于 0、最多两位小数的金额（元），收到“${v ?? ''}”`, { field });
  const [i, f = ''] = s.split('.');
  return Number(i) * 100 + Number((f + '00').slice(0, 2));
}
function bp(v: string | undefined, field: string, label: string): number {
  const s = (v ?? '').trim().replace(/%$/, '');
  if (!/^\d+(\.\d{1,2})?$/.test(s)) throw new InputError(`${label}：请填写 0–100 之间的百分比，收到“${v ?? ''}”`, { field });
  const n = Math.round(Number(s) * 100);
  if (n > 10000) throw new InputError(`${label}：支付比例不能超过 100%`, { field });
  return n;
}

const byKeys = (fn: (k: DraftKey) => number): Record<DraftKey, number> => ({ '1': fn('1'), '2': fn('2'), '3': fn('3'), pharmacy: fn('pharmacy') });

/** The published version's numbers as the form shows them (元, %). */
export function draftOf(p: Policy): DraftInput {
  const y = (f: number | undefined) => (f === undefined ? '' : (f / 100).toFixed(2).replace(/\.00$/, ''));
  const pc = (b: number | undefined) => (b === undefined ? '' : String(b / 100));
  const d = p.deductible;
  return {
    deductible: Object.fromEntries(DRAFT_KEYS.map((k) => [k, d.mode === 'per_visit' ? y(d.amounts_fen[k]) : ''])),
    deductibleAnnual: d.mode === 'annual' ? y(d.annual_fen) : undefined,
    deductibleCap: d.mode === 'per_visit' ? (d.annual_cap_fen === null ? '' : y(d.annual_cap_fen)) : undefined,
    rateInService: Object.fromEntries(DRAFT_KEYS.map((k) => [k, pc(p.rates_bp.in_service[k])])),
    rateRetired: Object.fromEntries(DRAFT_KEYS.map((k) => [k, pc(p.rates_bp.retired[k])])),
    capInService: y(p.annual_cap_fen.in_service),
    capRetired: y(p.annual_cap_fen.retired),
    pharmacyCounts: p.annual_cap_fen.pharmacy_counts !== false,
    pharmaciesCovered: p.pharmacies_covered !== false,
  };
}

/** The scenario body: `base` with the drafted numbers, for `region` only, named `id`. */
export function buildScenario(base: Policy, input: DraftInput, opts: { id: string; name: string; region: string }): Policy {
  if (!/^\d{6}$/.test(opts.region) || !base.region_prefixes.some((p) => opts.region.startsWith(p))) {
    throw new InputError(`地区 ${opts.region} 不适用政策 ${base.id}`, { field: 'region' });
  }
  const d = base.deductible;
  const deductible: Policy['deductible'] =
    d.mode === 'per_visit'
      ? {
          ...d,
          amounts_fen: byKeys((k) => fen(input.deductible[k], `deductible.${k}`, `起付线（${FIELD_LABEL[k]}）`)),
          annual_cap_fen: input.deductibleCap === undefined || input.deductibleCap.trim() === '' ? null : fen(input.deductibleCap, 'deductibleCap', '年度起付累计上限'),
        }
      : { ...d, annual_fen: fen(input.deductibleAnnual, 'deductibleAnnual', '年度起付线') };
  const body: Policy = {
    ...base,
    id: opts.id,
    name: opts.name,
    region_prefixes: [opts.region],
    deductible,
    rates_bp: {
      ...base.rates_bp,
      in_service: byKeys((k) => bp(input.rateInService[k], `rateInService.${k}`, `在职支付比例（${FIELD_LABEL[k]}）`)),
      retired: byKeys((k) => bp(input.rateRetired[k], `rateRetired.${k}`, `退休支付比例（${FIELD_LABEL[k]}）`)),
    },
    annual_cap_fen: {
      ...base.annual_cap_fen,
      in_service: fen(input.capInService, 'capInService', '在职年度最高支付限额'),
      retired: fen(input.capRetired, 'capRetired', '退休年度最高支付限额'),
      pharmacy_counts: input.pharmacyCounts,
    },
    pharmacies_covered: input.pharmaciesCovered,
  };
  return parseScenario(body, `方案 ${opts.name}`);
}
