import type { Scope } from '@/lib/dashboard/scope';
import type { FilterField } from './filter-bar';

/** The period and region pickers every dashboard page shows first. */
export function scopeFields(scope: Scope): FilterField[] {
  return [
    { name: 'period', label: '期间', type: 'select', options: scope.periodOptions.map((o) => ({ value: o.key, label: o.label })) },
    { name: 'region', label: '地区', type: 'select', allLabel: '全部辖区', options: scope.regionOptions.map((r) => ({ value: r.code, label: `${r.name} ${r.code}` })) },
  ];
}

export function scopeValues(scope: Scope): Record<string, string | undefined> {
  return { period: scope.period.key, region: scope.region ?? undefined };
}

export function scopeTitle(scope: Scope): string {
  const region = scope.region ? (scope.regionOptions.find((r) => r.code === scope.region)?.name ?? scope.region) : scope.regionOptions.length === 1 ? scope.regionOptions[0]?.name : '全部辖区';
  return `${region ?? ''}`;
}
