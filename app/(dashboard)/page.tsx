import Link from 'next/link';
import { Chart } from '@/components/chart';
import { FilterBar } from '@/components/filter-bar';
import { Kpi } from '@/components/kpi';
import { scopeFields, scopeTitle, scopeValues } from '@/components/scope-fields';
import { Empty } from '@/components/states';
import { requireActor } from '@/lib/auth/current';
import { maskId } from '@/lib/auth/mask';
import type { Kpis } from '@/lib/dashboard/overview';
import { loadOverviewPage } from '@/lib/dashboard/overview-page';
import { SUBJECT_TYPE_LABEL, subjectHref } from '@/lib/dashboard/labels';
import type { SearchParams } from '@/lib/dashboard/scope';
import { getDb } from '@/lib/db/client';
import { count, growth, money, monthTick, pct, periodLabel, yuan } from '@/lib/format';

export const dynamic = 'force-dynamic';

function change(cur: number | null, prev: number | null, higherIsWorse = true) {
  if (cur === null || prev === null || !prev) return undefined;
  const g = cur / prev - 1;
  return { text: growth(g), up: Math.abs(g) < 0.0005 ? null : higherIsWorse ? g > 0 : g < 0 };
}

function diff(cur: number | null, prev: number | null) {
  if (cur === null || prev === null) return undefined;
  const d = (cur - prev) * 100;
  return { text: `${d >= 0 ? '+' : ''}${d.toFixed(1)} 个百分点`, up: Math.abs(d) < 0.05 ? null : d > 0 };
}

function kpiCards(k: Kpis, p: Kpis) {
  return [
    { label: '就诊人次', value: count(k.visits), change: change(k.visits, p.visits), id: 'kpi-visits' },
    { label: '就诊人数', value: count(k.persons), change: change(k.persons, p.persons), id: 'kpi-persons' },
    { label: '医疗费用总额', value: money(k.total), change: change(k.total, p.total), id: 'kpi-total' },
    { label: '统筹基金支付', value: money(k.fund), change: change(k.fund, p.fund), id: 'kpi-fund' },
    { label: '次均费用', value: yuan(k.perVisit === null ? null : Math.round(k.perVisit)), change: change(k.perVisit, p.perVisit), id: 'kpi-per-visit' },
    { label: '个人负担比例', value: pct(k.selfpayRatio), change: diff(k.selfpayRatio, p.selfpayRatio), id: 'kpi-selfpay' },
    { label: '检查检验费占比', value: pct(k.examShare), change: diff(k.examShare, p.examShare), id: 'kpi-exam' },
  ];
}

export default async function OverviewPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const db = await getDb();
  const { scope, o, growers } = await loadOverviewPage(db, actor, sp);
  const qs = (extra: Record<string, string>) => new URLSearchParams({ period: scope.period.key, ...(scope.region ? { region: scope.region } : {}), ...extra }).toString();
  const x = o.trend.map((t) => monthTick(t.month));

  return (
    <>
      <div className="page-head">
        <h1>总览</h1>
        <span className="sub" data-testid="scope-title">
          {scopeTitle(scope)} · {periodLabel(scope.period.key)}（对比 {periodLabel(scope.prev.key)}）
        </span>
      </div>
      <FilterBar fields={scopeFields(scope)} values={scopeValues(scope)} />
      {!scope.latestMonth ? (
        <div className="panel">
          <Empty>
            尚无结算数据。请先在 <Link href="/import">导入</Link> 页面上传结算和明细文件。
          </Empty>
        </div>
      ) : (
        <>
          <div className="grid grid-7">
            {kpiCards(o.kpis, o.prevKpis).map((c) => (
              <Kpi key={c.id} label={c.label} value={c.value} change={c.change} testId={c.id} />
            ))}
          </div>
          <div className="grid grid-3">
            <div className="panel">
              <h2>
                次均费用<span className="muted">近 12 个月</span>
              </h2>
              <Chart label="次均费用趋势" spec={{ kind: 'line', unit: 'fen', x, series: [{ name: '次均费用', data: o.trend.map((t) => t.perVisit) }] }} />
            </div>
            <div className="panel">
              <h2>
                就诊人次与统筹支付<span className="muted">近 12 个月</span>
              </h2>
              <Chart label="统筹基金支付趋势" spec={{ kind: 'bar', unit: 'fen', x, series: [{ name: '统筹基金支付', data: o.trend.map((t) => t.fund) }, { name: '个人负担', data: o.trend.map((t) => t.total - t.fund), color: '#c9d3e6' }], stacked: true }} />
            </div>
            <div className="panel">
              <h2>
                个人负担比例与检查检验占比<span className="muted">近 12 个月</span>
              </h2>
              <Chart
                label="比例趋势"
                spec={{ kind: 'line', unit: 'ratio', x, series: [{ name: '个人负担比例', data: o.trend.map((t) => t.selfpayRatio) }, { name: '检查检验占比', data: o.trend.map((t) => t.examShare), color: '#b7791f' }] }}
              />
            </div>
          </div>
          <div className="grid grid-2">
            <div className="panel">
              <h2>
                预警（按规则与等级）<span className="muted">{periodLabel(scope.period.key)} · 共 {count(Object.values(o.alertsByStatus).reduce((a, b) => a + b, 0))} 条 · 待处理 {count(o.alertsByStatus.new ?? 0)}</span>
              </h2>
              {o.alertsByRule.length === 0 ? (
                <Empty>本期无预警</Empty>
              ) : (
                <table className="data" data-testid="alerts-by-rule">
                  <thead>
                    <tr>
                      <th>规则</th>
                      <th className="num">高</th>
                      <th className="num">中</th>
                      <th className="num">低</th>
                      <th className="num">合计</th>
                      <th className="num">涉及金额</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.alertsByRule.map((r) => (
                      <tr key={r.ruleId}>
                        <td>
                          <Link href={`/alerts?${qs({ rule: r.ruleId })}`}>{r.name}</Link> <span className="muted">{r.ruleId}</span>
                        </td>
                        <td className="num">{r.high ? <span className="badge high">{r.high}</span> : '·'}</td>
                        <td className="num">{r.medium ? <span className="badge medium">{r.medium}</span> : '·'}</td>
                        <td className="num">{r.low ? <span className="badge low">{r.low}</span> : '·'}</td>
                        <td className="num">{count(r.total)}</td>
                        <td className="num">{money(r.amount)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div className="panel">
              <h2>
                风险最高的对象<span className="muted">高等级预警数、涉及金额排序</span>
              </h2>
              {o.topSubjects.length === 0 ? (
                <Empty>本期无风险对象</Empty>
              ) : (
                <table className="data" data-testid="top-subjects">
                  <thead>
                    <tr>
                      <th>类型</th>
                      <th>对象</th>
                      <th className="num">预警</th>
                      <th className="num">高</th>
                      <th className="num">涉及金额</th>
                    </tr>
                  </thead>
                  <tbody>
                    {o.topSubjects.slice(0, 10).map((s) => {
                      const href = subjectHref(s.subjectType, s.subjectId);
                      const label = s.subjectType === 'insured' ? maskId(s.subjectId) : (s.subjectName ?? s.subjectId);
                      return (
                        <tr key={`${s.subjectType}:${s.subjectId}`}>
                          <td>{SUBJECT_TYPE_LABEL[s.subjectType] ?? s.subjectType}</td>
                          <td>{href ? <Link href={`${href}?${qs({})}`}>{label}</Link> : label}</td>
                          <td className="num">
                            <Link href={`/alerts?${qs({ subject: s.subjectType, q: s.subjectId })}`}>{s.alerts}</Link>
                          </td>
                          <td className="num">{s.high ? <span className="badge high">{s.high}</span> : '·'}</td>
                          <td className="num">{money(s.amount)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              )}
            </div>
          </div>
          <div className="grid grid-2">
            <div className="panel">
              <h2>
                次均费用增长最快的机构<span className="muted">{periodLabel(scope.period.key)} 对比 {periodLabel(scope.prev.key)}，人次 ≥ 5</span>
                <Link href={`/institutions?${qs({ sort: 'perVisitGrowth.desc' })}`} style={{ float: 'right', fontWeight: 400 }}>
                  全部机构 →
                </Link>
              </h2>
              {growers.rows.length === 0 ? (
                <Empty>上期无可比数据</Empty>
              ) : (
                <table className="data" data-testid="fastest-growth">
                  <thead>
                    <tr>
                      <th>机构</th>
                      <th className="num">次均费用</th>
                      <th className="num">环比</th>
                      <th className="num">检查检验占比</th>
                      <th className="num">人次</th>
                    </tr>
                  </thead>
                  <tbody>
                    {growers.rows.map((r) => (
                      <tr key={r.id}>
                        <td>
                          <Link href={`/institutions/${encodeURIComponent(r.id)}?${qs({})}`}>{r.name ?? r.id}</Link>
                        </td>
                        <td className="num">{yuan(r.metrics.perVisit === null ? null : Math.round(r.metrics.perVisit))}</td>
                        <td className="num">{growth(r.metrics.perVisitGrowth)}</td>
                        <td className="num">{pct(r.metrics.examShare)}</td>
                        <td className="num">{count(r.metrics.visits)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </div>
            <div className="panel">
              <h2>
                总额预算执行<span className="muted">{o.budget.month ? `截至 ${periodLabel(o.budget.month)}` : ''}</span>
              </h2>
              {o.budget.top.length === 0 ? (
                <Empty>未导入机构总额预算</Empty>
              ) : (
                <>
                  <div className="figure">
                    <div>
                      <div className="label">年度预算</div>
                      <div className="value">{money(o.budget.budget)}</div>
                    </div>
                    <div>
                      <div className="label">已使用（统筹支付）</div>
                      <div className="value">{money(o.budget.used)}</div>
                    </div>
                    <div>
                      <div className="label">执行率</div>
                      <div className="value" data-testid="budget-use">
                        {pct(o.budget.ratio)}
                      </div>
                    </div>
                  </div>
                  <table className="data" data-testid="budget-table">
                    <thead>
                      <tr>
                        <th>机构</th>
                        <th className="num">预算</th>
                        <th className="num">已使用</th>
                        <th>执行率</th>
                      </tr>
                    </thead>
                    <tbody>
                      {o.budget.top.map((b) => (
                        <tr key={b.code}>
                          <td>
                            <Link href={`/institutions/${encodeURIComponent(b.code)}?${qs({})}`}>{b.name ?? b.code}</Link>
                          </td>
                          <td className="num">{money(b.budget)}</td>
                          <td className="num">{money(b.used)}</td>
                          <td>
                            <span className="bar-cell" style={{ width: Math.min(60, Math.round((b.ratio ?? 0) * 60)), background: (b.ratio ?? 0) > 1 ? 'var(--danger)' : undefined }} />
                            {pct(b.ratio)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </>
              )}
            </div>
          </div>
          <p className="muted">数据来自月度指标汇总，最新月份 {periodLabel(scope.latestMonth.slice(0, 7))}；金额单位元，10 万元以上以万元显示。</p>
        </>
      )}
    </>
  );
}
