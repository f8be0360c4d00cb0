import Link from 'next/link';
import { Chart, type ChartSpec } from '@/components/chart';
import { FilterBar } from '@/components/filter-bar';
import { Kpi } from '@/components/kpi';
import { dismissReasonLabel } from '@/lib/alerts/verdict-reasons';
import { requireActor } from '@/lib/auth/current';
import { RESULT_LABEL, SUBJECT_TYPE_LABEL } from '@/lib/dashboard/labels';
import { param, resolveScope, type SearchParams } from '@/lib/dashboard/scope';
import { RULE_WINDOW_LABEL } from '@/lib/dashboard/threshold-labels';
import { getDb } from '@/lib/db/client';
import { scopedClient } from '@/lib/db/scoped-client';
import { count, money, pct } from '@/lib/format';
import { rules } from '@/lib/rules';
import { ruleQuality, type QualityRow } from '@/lib/rules/quality';

export const dynamic = 'force-dynamic';

const SORTS: Record<string, (r: Row) => number> = {
  alerts: (r) => r.q?.alerts ?? 0,
  reviewed: (r) => r.q?.reviewed ?? 0,
  confirmed: (r) => r.q?.confirmed ?? 0,
  dismissed: (r) => r.q?.dismissed ?? 0,
  precision: (r) => r.q?.precision ?? -1,
  days: (r) => r.q?.median_days_to_verdict ?? -1,
  recovered: (r) => r.q?.recovered_fen ?? 0,
};

interface Row {
  rule: (typeof rules)[number];
  q: QualityRow | undefined;
}

const reasons = (q: QualityRow | undefined) =>
  Object.entries(q?.dismissed_by_reason ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${dismissReasonLabel(k) ?? '未注明'} ${n}`)
    .join('、');

/** Quarters in order with totals over the rows (the chart over time). */
function byQuarter(rows: QualityRow[]) {
  const m = new Map<string, { alerts: number; reviewed: number; confirmed: number; dismissed: number }>();
  for (const r of rows) {
    for (const x of r.quarters) {
      const e = m.get(x.quarter) ?? { alerts: 0, reviewed: 0, confirmed: 0, dismissed: 0 };
      e.alerts += x.alerts;
      e.reviewed += x.reviewed;
      e.confirmed += x.confirmed;
      e.dismissed += x.dismissed;
      m.set(x.quarter, e);
    }
  }
  return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

/** 规则: the catalogue with each rule's quality from the inspectors' verdicts (precision = 确认 ÷ 已审核). */
export default async function RulesPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const db = await getDb();
  const { scope, quality } = await scopedClient(
    db,
    actor,
    async (c, tx) => {
      const scope = await resolveScope(tx, sp);
      return { scope, quality: await ruleQuality(c, { region: scope.region ?? undefined, allRegions: true }) };
    },
    { readOnly: true },
  );
  const q = new Map(quality.map((r) => [r.rule, r]));
  const sort = param(sp, 'sort') ?? '';
  const [field, dir] = sort.split('.');
  const rows: Row[] = rules.map((rule) => ({ rule, q: q.get(rule.id) }));
  const by = field ? SORTS[field] : undefined;
  if (by) rows.sort((a, b) => (dir === 'asc' ? by(a) - by(b) : by(b) - by(a)));
  const total = quality.reduce((s, r) => ({ alerts: s.alerts + r.alerts, reviewed: s.reviewed + r.reviewed, confirmed: s.confirmed + r.confirmed, recovered: s.recovered + r.recovered_fen }), { alerts: 0, reviewed: 0, confirmed: 0, recovered: 0 });
  const quarters = byQuarter(quality);
  const x = quarters.map(([k]) => k.replace('-Q', ' 年第 ') + ' 季度');
  const counts: ChartSpec = {
    kind: 'bar',
    stacked: true,
    unit: 'count',
    x,
    series: [
      { name: '确认', data: quarters.map(([, v]) => v.confirmed), color: '#c2312b' },
      { name: '排除', data: quarters.map(([, v]) => v.dismissed), color: '#9aa5b5' },
      { name: '待审核', data: quarters.map(([, v]) => v.alerts - v.reviewed), color: '#c9d3e6' },
    ],
  };
  const precision: ChartSpec = { kind: 'line', unit: 'ratio', x, series: [{ name: '精确率', data: quarters.map(([, v]) => (v.reviewed ? v.confirmed / v.reviewed : null)) }] };
  const qs = (s: string) => {
    const u = new URLSearchParams();
    if (scope.region) u.set('region', scope.region);
    u.set('sort', s);
    return `/rules?${u.toString()}`;
  };
  const head = (key: string, label: string) => (
    <th className="num">
      <Link href={qs(field === key && dir !== 'asc' ? `${key}.asc` : `${key}.desc`)} aria-label={`按${label}排序`}>
        {label}
        {field === key ? (dir === 'asc' ? ' ↑' : ' ↓') : ''}
      </Link>
    </th>
  );
  return (
    <>
      <div className="page-head">
        <h1>规则</h1>
        <span className="sub">共 {rules.length} 条规则 · 精确率 = 确认 ÷ 已审核（含已立案）· 点击规则查看阈值、回测与调整</span>
      </div>
      <FilterBar
        fields={[{ name: 'region', label: '地区', type: 'select', allLabel: '全部辖区', options: scope.regionOptions.map((r) => ({ value: r.code, label: `${r.name} ${r.code}` })) }]}
        values={{ region: scope.region ?? undefined }}
      />
      <div className="grid grid-4">
        <Kpi label="预警（不含已撤回）" value={count(total.alerts)} testId="kpi-alerts" />
        <Kpi label="已审核" value={count(total.reviewed)} />
        <Kpi label="总体精确率" value={total.reviewed ? pct(total.confirmed / total.reviewed) : '—'} testId="kpi-precision" />
        <Kpi label="案件追回金额" value={money(total.recovered)} />
      </div>
      <div className="grid grid-2">
        <div className="panel">
          <h2>各季度审核结论</h2>
          {quarters.length ? <Chart spec={counts} label="各季度预警的审核结论" /> : <p className="muted">暂无预警</p>}
        </div>
        <div className="panel">
          <h2>各季度精确率</h2>
          {quarters.length ? <Chart spec={precision} label="各季度精确率" /> : <p className="muted">暂无预警</p>}
        </div>
      </div>
      <div className="panel">
        <table className="data" data-testid="rules-table">
          <thead>
            <tr>
              <th>规则</th>
              <th>类型</th>
              <th>窗口</th>
              <th>对象</th>
              {head('alerts', '预警')}
              {head('reviewed', '已审核')}
              {head('confirmed', '确认')}
              {head('dismissed', '排除')}
              {head('precision', '精确率')}
              {head('days', '审核中位天数')}
              {head('recovered', '追回金额')}
              <th>排除原因</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ rule, q: r }) => (
              <tr key={rule.id} data-rule={rule.id}>
                <td>
                  <Link href={`/rules/${rule.id}${scope.region ? `?region=${scope.region}` : ''}`}>{rule.nameZh}</Link> <span className="muted">{rule.id}</span>
                </td>
                <td>{RESULT_LABEL[rule.resultType]}</td>
                <td>{RULE_WINDOW_LABEL[rule.window] ?? rule.window}</td>
                <td>{SUBJECT_TYPE_LABEL[rule.subject] ?? rule.subject}</td>
                <td className="num">{count(r?.alerts ?? 0)}</td>
                <td className="num">{count(r?.reviewed ?? 0)}</td>
                <td className="num">{count(r?.confirmed ?? 0)}</td>
                <td className="num">{count(r?.dismissed ?? 0)}</td>
                <td className="num" data-testid={`precision-${rule.id}`}>
                  {r?.precision === null || r?.precision === undefined ? '—' : pct(r.precision)}
                </td>
                <td className="num">{r?.median_days_to_verdict ?? '—'}</td>
                <td className="num">{money(r?.recovered_fen ?? 0)}</td>
                <td className="muted" style={{ whiteSpace: 'normal' }}>
                  {reasons(r) || '—'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
