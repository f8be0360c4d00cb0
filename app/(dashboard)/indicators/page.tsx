import { Chart } from '@/components/chart';
import { FilterBar } from '@/components/filter-bar';
import { scopeFields, scopeTitle, scopeValues } from '@/components/scope-fields';
import { SubjectTable } from '@/components/subject-table';
import { requireActor } from '@/lib/auth/current';
import { param, type SearchParams } from '@/lib/dashboard/scope';
import { subjectListPage } from '@/lib/dashboard/subject-list';
import { formatMetric, isMetric, METRICS, metricDistribution, metricsFor, SUBJECT_KINDS, SUBJECT_LABEL, type MetricId, type SubjectKind } from '@/lib/dashboard/subjects';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { periodLabel } from '@/lib/format';

export const dynamic = 'force-dynamic';

/** 指标 explorer: any indicator, any subject type, any period; ranked, with percentiles and the spread. */
export default async function IndicatorsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const kindParam = param(sp, 'kind');
  const kind: SubjectKind = SUBJECT_KINDS.includes(kindParam as SubjectKind) ? (kindParam as SubjectKind) : 'institution';
  const allowed = metricsFor(kind);
  const mp = param(sp, 'metric');
  const metric: MetricId = isMetric(mp) && allowed.includes(mp) ? mp : 'perVisit';
  const db = await getDb();
  const { list, dist } = await scoped(db, actor, async (tx) => {
    const list = await subjectListPage(tx, kind, { ...sp, sort: param(sp, 'sort') ?? `${metric}.desc` }, { sort: metric, metric });
    const dist = await metricDistribution(tx, { kind, period: list.scope.period, prev: list.scope.prev, regions: list.scope.regions, metric, minVisits: Math.max(1, Number(param(sp, 'min') ?? 1) || 1) });
    return { list, dist };
  });
  const { scope } = list;
  const unit = METRICS[metric].unit;
  const chartUnit = unit === 'fen' ? 'fen' : unit === 'count' ? 'count' : 'ratio';
  const query = new URLSearchParams({ period: scope.period.key, ...(scope.region ? { region: scope.region } : {}) }).toString();
  const columns: MetricId[] = [...new Set<MetricId>([metric, 'visits', 'perVisit', 'fund'])].filter((m) => allowed.includes(m));
  return (
    <>
      <div className="page-head">
        <h1>指标</h1>
        <span className="sub">
          {scopeTitle(scope)} · {periodLabel(scope.period.key)} · {SUBJECT_LABEL[kind]}按「{METRICS[metric].label}」排名
        </span>
      </div>
      <FilterBar
        fields={[
          { name: 'kind', label: '对象', type: 'select', options: SUBJECT_KINDS.map((k) => ({ value: k, label: SUBJECT_LABEL[k] })) },
          { name: 'metric', label: '指标', type: 'select', options: allowed.map((m) => ({ value: m, label: METRICS[m].label })) },
          ...scopeFields(scope),
          { name: 'min', label: '最少人次', type: 'select', allLabel: '不限', options: [5, 10, 30, 100].map((n) => ({ value: String(n), label: `≥ ${n}` })) },
          { name: 'q', label: '搜索', type: 'text', placeholder: '编码或名称' },
        ]}
        values={{ ...scopeValues(scope), kind, metric, min: param(sp, 'min'), q: param(sp, 'q') }}
      />
      <div className="grid grid-2-1">
        <div className="panel">
          <h2>
            分布<span className="muted">{dist.n} 个{SUBJECT_LABEL[kind]}</span>
          </h2>
          <Chart
            label="指标分布"
            height={200}
            spec={{
              kind: 'histogram',
              unit: chartUnit,
              bins: dist.bins,
              marks: [
                ...(dist.p50 !== null ? [{ value: dist.p50, label: 'P50', color: '#2f7d4f' }] : []),
                ...(dist.p90 !== null ? [{ value: dist.p90, label: 'P90', color: '#b7791f' }] : []),
              ],
            }}
          />
        </div>
        <div className="panel">
          <h2>百分位</h2>
          <table className="data" data-testid="percentiles">
            <tbody>
              {(
                [
                  ['最小', dist.min],
                  ['P10', dist.p10],
                  ['P25', dist.p25],
                  ['P50 中位数', dist.p50],
                  ['P75', dist.p75],
                  ['P90', dist.p90],
                  ['P95', dist.p95],
                  ['最大', dist.max],
                  ['平均', dist.mean],
                ] as Array<[string, number | null]>
              ).map(([k, v]) => (
                <tr key={k}>
                  <td>{k}</td>
                  <td className="num">{formatMetric(metric, v)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
      <div className="panel">
        <SubjectTable
          kind={kind}
          metrics={columns}
          rows={list.page.rows}
          total={list.page.total}
          page={list.page.page}
          pageSize={list.page.pageSize}
          sort={list.sort}
          hidden={(param(sp, 'hide') ?? '').split(',').filter(Boolean)}
          query={query}
          showPercentile
        />
      </div>
    </>
  );
}
