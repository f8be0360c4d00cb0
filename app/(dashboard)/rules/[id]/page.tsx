import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AdoptForm } from './adopt-form';
import { Chart, type ChartSpec } from '@/components/chart';
import { formatValue } from '@/lib/alerts/explain';
import { policyLabel } from '@/lib/alerts/policy-label';
import { dismissReasonLabel } from '@/lib/alerts/verdict-reasons';
import { requireActor } from '@/lib/auth/current';
import { maskId, maskName } from '@/lib/auth/mask';
import { can } from '@/lib/auth/permissions';
import { RESULT_LABEL, SEVERITY_LABEL, STATUS_LABEL, SUBJECT_TYPE_LABEL, subjectHref } from '@/lib/dashboard/labels';
import { param, resolveScope, type SearchParams } from '@/lib/dashboard/scope';
import { RULE_WINDOW_LABEL, THRESHOLD_SOURCE_LABEL, thresholdLabel, unitLabel } from '@/lib/dashboard/threshold-labels';
import { getDb } from '@/lib/db/client';
import { scopedClient } from '@/lib/db/scoped-client';
import { InputError } from '@/lib/errors';
import { count, dateOnly, dateTime, money, pct, periodLabel } from '@/lib/format';
import { loadMonitoringVersions, type MonitoringVersion } from '@/lib/policies/monitoring-versions';
import { ruleById } from '@/lib/rules';
import { backtestRule, type BacktestResult } from '@/lib/rules/backtest';
import { ruleCatalogue } from '@/lib/rules/catalogue';
import { ruleQuality, type RealtimeQuality } from '@/lib/rules/quality';

export const dynamic = 'force-dynamic';

const PAGE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A threshold value in its unit, in words a person reads. */
function thresholdText(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '各地区不同';
  if (unit === 'fen') return money(value);
  if (unit === 'percent_rank') return `第 ${Math.round(value * 1000) / 10} 百分位`;
  if (unit === 'ratio') return pct(value);
  const u = unitLabel(unit);
  return `${value.toLocaleString('zh-CN')}${u ? ` ${u}` : ''}`;
}

const precisionText = (p: number | null) => (p === null ? '—' : pct(p));

/** NHSA 3103 answers to the rule's real-time warnings: 继续执行 (with the doctors' reasons) and 已修改. */
function realtimeText(q: RealtimeQuality | null): string {
  if (!q) return '—';
  const why = Object.entries(q.continued_by_reason)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([k, n]) => `${k} ${count(n)}`)
    .join('、');
  return `提醒 ${count(q.warnings)}：继续执行 ${count(q.continued)}${why ? `（${why}）` : ''}，已修改 ${count(q.modified)}，未处置 ${count(q.unanswered)}`;
}
const quarterText = (q: string) => q.replace('-Q', ' 年第 ') + ' 季度';

function pager(sp: SearchParams, key: string, page: number, total: number) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  if (pages <= 1) return null;
  const link = (p: number) => {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(sp)) if (typeof v === 'string') u.set(k, v);
    u.set(key, String(p));
    return `?${u.toString()}#backtest`;
  };
  return (
    <div className="toolbar">
      <span className="muted">
        第 {page} / {pages} 页，共 {count(total)} 条
      </span>
      {page > 1 ? <Link href={link(page - 1)}>上一页</Link> : null}
      {page < pages ? <Link href={link(page + 1)}>下一页</Link> : null}
    </div>
  );
}

/** 规则详情: thresholds per region and where they come from, quality from verdicts, back-test, and (admin) adopt. */
export default async function RulePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const { id } = await params;
  const rule = ruleById(decodeURIComponent(id));
  if (!rule) notFound();
  const sp = await searchParams;
  const db = await getDb();
  const today = dateOnly(new Date());
  const wantBacktest = param(sp, 'bt') === '1';
  const from = param(sp, 'from');
  const to = param(sp, 'to');

  const data = await scopedClient(
    db,
    actor,
    async (c, tx) => {
      const scope = await resolveScope(tx, sp);
      const regions = scope.region ? [scope.region] : scope.regionOptions.map((r) => r.code);
      const [catalogue] = (await ruleCatalogue(c, regions, today)).filter((r) => r.id === rule.id);
      const quality = await ruleQuality(c, { rule: rule.id, region: scope.region ?? undefined });
      const versions: MonitoringVersion[] = (await loadMonitoringVersions(c, regions)).filter((v) => Object.keys(v.thresholds).some((k) => rule.thresholds.includes(k)));
      // the candidate thresholds: the form's values that differ from the value shown (the one in force for the scope)
      const shown: Record<string, number | null> = {};
      for (const k of rule.thresholds) {
        const vals = new Set((catalogue?.regions ?? []).map((g) => g.thresholds[k]?.value ?? null));
        shown[k] = vals.size === 1 ? ([...vals][0] ?? null) : null;
      }
      const set: Record<string, number> = {};
      let error: string | null = null;
      for (const k of rule.thresholds) {
        const raw = param(sp, `t_${k}`);
        if (raw === undefined) continue;
        const v = Number(raw);
        if (!Number.isFinite(v)) error = `${thresholdLabel(k)} 应为数字`;
        else if (v !== shown[k]) set[k] = v;
      }
      if ((from && !DAY.test(from)) || (to && !DAY.test(to))) error = '日期应为 YYYY-MM-DD';
      let bt: BacktestResult | null = null;
      if (wantBacktest && !error) {
        try {
          bt = await backtestRule(c, { ruleId: rule.id, set, regions: scope.region ? [scope.region] : undefined, from, to });
        } catch (e) {
          if (e instanceof InputError) error = e.message;
          else throw e;
        }
      }
      return { scope, catalogue, quality, versions, shown, set, bt, error };
    },
    { readOnly: true },
  );
  const { scope, catalogue, quality, versions, shown, set, bt, error } = data;
  const regionName = new Map(scope.regionOptions.map((r) => [r.code, r.name]));
  const regionText = (code: string) => `${regionName.get(code) ?? code}`;

  // quality over time: the rule's quarters summed over the regions shown
  const quarters = new Map<string, { alerts: number; reviewed: number; confirmed: number; dismissed: number }>();
  for (const r of quality) {
    for (const x of r.quarters) {
      const e = quarters.get(x.quarter) ?? { alerts: 0, reviewed: 0, confirmed: 0, dismissed: 0 };
      e.alerts += x.alerts;
      e.reviewed += x.reviewed;
      e.confirmed += x.confirmed;
      e.dismissed += x.dismissed;
      quarters.set(x.quarter, e);
    }
  }
  const qs = [...quarters.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  const x = qs.map(([k]) => quarterText(k));
  const countsSpec: ChartSpec = {
    kind: 'bar',
    stacked: true,
    unit: 'count',
    x,
    series: [
      { name: '确认', data: qs.map(([, v]) => v.confirmed), color: '#c2312b' },
      { name: '排除', data: qs.map(([, v]) => v.dismissed), color: '#9aa5b5' },
      { name: '待审核', data: qs.map(([, v]) => v.alerts - v.reviewed), color: '#c9d3e6' },
    ],
  };
  const precisionSpec: ChartSpec = { kind: 'line', unit: 'ratio', x, series: [{ name: '精确率', data: qs.map(([, v]) => (v.reviewed ? v.confirmed / v.reviewed : null)) }] };

  const ap = Math.max(1, Number(param(sp, 'ap') ?? 1) || 1);
  const dp = Math.max(1, Number(param(sp, 'dp') ?? 1) || 1);
  const canAdopt = can(actor, 'policy.manage');
  const unit = (k: string) => catalogue?.regions[0]?.thresholds[k]?.unit ?? '';
  const changes = Object.entries(set).map(([k, v]) => `${thresholdLabel(k)} ${thresholdText(bt?.thresholds[k]?.before ?? null, unit(k))} → ${thresholdText(v, unit(k))}`);
  const nextMonth = (() => {
    const [y, m] = today.split('-').map(Number) as [number, number];
    return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  })();
  // after 采用 (actions.ts redirects here): what was adopted, read from the stored version
  const adoptedId = Number(param(sp, 'adopted') ?? 0);
  const adopted = adoptedId ? versions.find((v) => v.id === adoptedId) : undefined;
  const recomputed = Number(param(sp, 'recomputed') ?? 0);
  const adoptedChanges = adopted
    ? Object.entries((adopted.backtest as { thresholds?: Record<string, { before: number | null; after: number | null }> }).thresholds ?? {})
        .filter(([, t]) => t.before !== t.after)
        .map(([k, t]) => `${thresholdLabel(k)} ${thresholdText(t.before, unit(k))} → ${thresholdText(t.after, unit(k))}`)
    : [];
  const subject = (type: string, sid: string, name: string | null) => {
    const insured = type === 'insured';
    const shownName = insured ? (name ? maskName(name) : null) : name;
    const shownId = insured ? maskId(sid) : sid;
    const href = subjectHref(type, sid);
    const label = shownName ? `${shownName}（${shownId}）` : shownId;
    return href ? <Link href={href}>{label}</Link> : label;
  };

  return (
    <>
      <div className="page-head">
        <h1>
          {rule.nameZh} <span className="muted">{rule.id}</span>
        </h1>
        <span className={`badge ${rule.severity}`}>{SEVERITY_LABEL[rule.severity]}</span>
        <span className="badge">{RESULT_LABEL[rule.resultType]}</span>
        <span className="badge">窗口：{RULE_WINDOW_LABEL[rule.window] ?? rule.window}</span>
        <span className="badge">对象：{SUBJECT_TYPE_LABEL[rule.subject]}</span>
        <span className="spacer" />
        <Link href={`/rules${scope.region ? `?region=${scope.region}` : ''}`}>← 返回规则列表</Link>
      </div>

      {adopted ? (
        <div className="panel" role="status" data-testid="adopt-result">
          已采用监测阈值调整第 {adopted.id} 号（{regionText(adopted.regionCode)}，{adopted.effectiveFrom} 起）：{adoptedChanges.join('；') || '—'}。
          {recomputed > 0 ? `已按新版本重算该地区自生效月起 ${recomputed} 个月的预警；此前的预警保留原版本。` : '自下次重算起按新版本判断；此前的预警保留原版本。'}
        </div>
      ) : null}
      <div className="panel">
        <h2>阈值与来源 <span className="muted">（{today} 在用）</span></h2>
        <p className="muted">场景：{rule.scenario}。</p>
        {catalogue?.regions.map((g) => (
          <p className="muted" key={g.region}>
            {regionText(g.region)}依据：{g.basis.map((b) => `${b.doc}${b.clause}`).join('；') || '本地区适用文件未作规定'}
          </p>
        ))}
        {rule.thresholds.length ? (
          <table className="data" data-testid="thresholds-table">
            <thead>
              <tr>
                <th>阈值</th>
                {catalogue?.regions.map((g) => (
                  <th key={g.region}>{regionText(g.region)}</th>
                ))}
                <th>口径</th>
              </tr>
            </thead>
            <tbody>
              {rule.thresholds.map((k) => (
                <tr key={k}>
                  <td>{thresholdLabel(k)}</td>
                  {catalogue?.regions.map((g) => {
                    const t = g.thresholds[k];
                    return (
                      <td key={g.region} title={t?.source_label} data-testid={`th-${g.region}-${k}`}>
                        {thresholdText(t?.value, t?.unit ?? '')} <span className={`badge${t?.source === 'version' ? ' medium' : ''}`}>{THRESHOLD_SOURCE_LABEL[t?.source ?? 'default']}</span>
                      </td>
                    );
                  })}
                  <td className="muted" style={{ whiteSpace: 'normal', minWidth: 280 }}>
                    {catalogue?.regions[0]?.thresholds[k]?.basis}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <p className="muted">该规则没有可调整的阈值（按政策规定的情形判断）。</p>
        )}
        {versions.length ? (
          <>
            <h2>调整版本</h2>
            <table className="data" data-testid="versions-table">
              <thead>
                <tr>
                  <th>版本</th>
                  <th>地区</th>
                  <th>生效</th>
                  <th>调整</th>
                  <th>回测（预警 / 精确率）</th>
                  <th>理由</th>
                  <th>采用人</th>
                  <th>采用时间</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => {
                  const b = v.backtest as { alerts_before?: number; alerts_after?: number; precision_before?: number | null; precision_after?: number | null; thresholds?: Record<string, { before: number | null; after: number | null }> };
                  return (
                    <tr key={v.id}>
                      <td>第 {v.id} 号</td>
                      <td>{regionText(v.regionCode)}</td>
                      <td>{v.effectiveFrom} 起</td>
                      <td style={{ whiteSpace: 'normal' }}>
                        {Object.entries(v.thresholds)
                          .map(([k, t]) => `${thresholdLabel(k)} ${thresholdText(t.value, t.unit)}`)
                          .join('；')}
                      </td>
                      <td>
                        {count(b.alerts_before ?? 0)} → {count(b.alerts_after ?? 0)} / {precisionText(b.precision_before ?? null)} → {precisionText(b.precision_after ?? null)}
                      </td>
                      <td style={{ whiteSpace: 'normal' }}>{v.reason}</td>
                      <td>{v.author}</td>
                      <td>{dateTime(v.createdAt)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        ) : null}
      </div>

      <div className="panel">
        <h2>审核质量</h2>
        <table className="data" data-testid="quality-table">
          <thead>
            <tr>
              <th>地区</th>
              <th className="num">预警</th>
              <th className="num">已审核</th>
              <th className="num">确认</th>
              <th className="num">排除</th>
              <th>排除原因</th>
              <th className="num">精确率</th>
              <th className="num">审核中位天数</th>
              <th className="num">案件追回金额</th>
              <th>事前事中提醒（医生处置）</th>
            </tr>
          </thead>
          <tbody>
            {quality.length ? (
              quality.map((r) => (
                <tr key={r.region} data-region={r.region}>
                  <td>{regionText(r.region)}</td>
                  <td className="num">{count(r.alerts)}</td>
                  <td className="num">{count(r.reviewed)}</td>
                  <td className="num">{count(r.confirmed)}</td>
                  <td className="num">{count(r.dismissed)}</td>
                  <td>
                    {Object.entries(r.dismissed_by_reason)
                      .map(([k, n]) => `${dismissReasonLabel(k) ?? '未注明'} ${n}`)
                      .join('、') || '—'}
                  </td>
                  <td className="num" data-testid={`quality-precision-${r.region}`}>
                    {precisionText(r.precision)}
                  </td>
                  <td className="num">{r.median_days_to_verdict ?? '—'}</td>
                  <td className="num">{money(r.recovered_fen)}</td>
                  <td data-testid={`quality-realtime-${r.region}`}>{realtimeText(r.realtime)}</td>
                </tr>
              ))
            ) : (
              <tr>
                <td colSpan={10} className="muted">
                  暂无该规则的预警
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {qs.length ? (
          <div className="grid grid-2">
            <div>
              <h2>各季度审核结论</h2>
              <Chart spec={countsSpec} label={`${rule.nameZh}各季度审核结论`} />
            </div>
            <div>
              <h2>各季度精确率</h2>
              <Chart spec={precisionSpec} label={`${rule.nameZh}各季度精确率`} />
            </div>
          </div>
        ) : null}
      </div>

      <div className="panel" id="backtest">
        <h2>回测</h2>
        <p className="muted">按候选阈值在已导入的历史数据上重放本规则，与已存预警比较；不改变任何已存数据。不填日期为全部已导入月份。</p>
        <form method="get" data-testid="backtest-form">
          <input type="hidden" name="bt" value="1" />
          <div className="toolbar">
            <label className="field">
              <span className="muted">地区</span>
              <select name="region" defaultValue={scope.region ?? ''} aria-label="地区">
                <option value="">全部辖区</option>
                {scope.regionOptions.map((r) => (
                  <option key={r.code} value={r.code}>
                    {r.name} {r.code}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="muted">自</span>
              <input type="date" name="from" defaultValue={from ?? ''} aria-label="起始日期" />
            </label>
            <label className="field">
              <span className="muted">至</span>
              <input type="date" name="to" defaultValue={to ?? ''} aria-label="结束日期" />
            </label>
          </div>
          {rule.thresholds.length ? (
            <div className="toolbar">
              {rule.thresholds.map((k) => (
                <label className="field" key={k}>
                  <span className="muted">
                    {thresholdLabel(k)}
                    {unitLabel(unit(k)) ? `（${unitLabel(unit(k))}）` : ''}
                  </span>
                  <input
                    type="number"
                    step="any"
                    name={`t_${k}`}
                    defaultValue={param(sp, `t_${k}`) ?? (shown[k] ?? '')}
                    placeholder={shown[k] === null ? '各地区不同' : undefined}
                    aria-label={thresholdLabel(k)}
                    style={{ width: 110 }}
                  />
                </label>
              ))}
            </div>
          ) : null}
          <div className="toolbar">
            <button type="submit">运行回测</button>
            <span className="muted">在用值：{rule.thresholds.map((k) => `${thresholdLabel(k)} ${thresholdText(shown[k], unit(k))}`).join('；') || '—'}</span>
          </div>
        </form>
        {error ? (
          <p className="error-box" role="alert">
            {error}
          </p>
        ) : null}
        {bt ? (
          <div data-testid="backtest-result">
            <p className="muted">
              {bt.regions.map(regionText).join('、') || '无地区'}，{bt.months[0] ? `${periodLabel(bt.months[0])} 至 ${periodLabel(bt.months[bt.months.length - 1] ?? '')}` : '无数据'}（{bt.months.length} 个月），用时 {count(bt.ms)} 毫秒。
              {changes.length ? `候选：${changes.join('；')}` : '未改动阈值：结果应与已存预警一致。'}
            </p>
            <div className="figure" data-testid="backtest-figures">
              <div>
                <div className="label">预警 调整前 → 后</div>
                <div className="value" data-testid="bt-alerts">
                  {count(bt.alerts_before)} → {count(bt.alerts_after)}
                </div>
              </div>
              <div>
                <div className="label">确认保留</div>
                <div className="value">{count(bt.confirmed_kept)}</div>
              </div>
              <div>
                <div className="label">确认丢失</div>
                <div className="value" data-testid="bt-confirmed-lost">
                  {count(bt.confirmed_lost)}
                </div>
              </div>
              <div>
                <div className="label">避免的误报</div>
                <div className="value" data-testid="bt-dismissed-avoided">
                  {count(bt.dismissed_avoided)}
                </div>
              </div>
              <div>
                <div className="label">新增未审核</div>
                <div className="value">{count(bt.unreviewed_new)}</div>
              </div>
              <div>
                <div className="label">精确率 调整前 → 后</div>
                <div className="value" data-testid="bt-precision">
                  {precisionText(bt.precision_before)} → {precisionText(bt.precision_after)}
                </div>
              </div>
              <div>
                <div className="label">涉及金额 调整前 → 后</div>
                <div className="value">
                  {money(bt.amount_before)} → {money(bt.amount_after)}
                </div>
              </div>
            </div>

            <h2>将消失的预警（{count(bt.disappear.length)}）</h2>
            {bt.disappear.length ? (
              <>
                <table className="data" data-testid="bt-disappear">
                  <thead>
                    <tr>
                      <th>预警</th>
                      <th>地区</th>
                      <th>期间</th>
                      <th>对象</th>
                      <th>状态</th>
                      <th className="num">涉及金额</th>
                      <th>判断版本</th>
                    </tr>
                  </thead>
                  <tbody>
                    {bt.disappear.slice((dp - 1) * PAGE, dp * PAGE).map((a) => (
                      <tr key={a.id}>
                        <td>
                          <Link href={`/alerts/${a.id}`}>#{a.id}</Link>
                        </td>
                        <td>{regionText(a.region_code)}</td>
                        <td>{periodLabel(a.period_key)}</td>
                        <td>{subject(a.subject_type, a.subject_id, a.subject_name)}</td>
                        <td>
                          <span className={`badge status-${a.status}`}>{STATUS_LABEL[a.status] ?? a.status}</span>
                        </td>
                        <td className="num">{money(a.amount)}</td>
                        <td className="muted">{policyLabel(a.policy_id)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {pager(sp, 'dp', dp, bt.disappear.length)}
              </>
            ) : (
              <p className="muted">无</p>
            )}

            <h2>将新增的预警（{count(bt.appear.length)}，均未经审核）</h2>
            {bt.appear.length ? (
              <>
                <table className="data" data-testid="bt-appear">
                  <thead>
                    <tr>
                      <th>地区</th>
                      <th>期间</th>
                      <th>对象</th>
                      <th className="num">指标值</th>
                      <th className="num">涉及金额</th>
                      <th>说明与结算单</th>
                    </tr>
                  </thead>
                  <tbody>
                    {bt.appear.slice((ap - 1) * PAGE, ap * PAGE).map((a) => (
                      <tr key={`${a.region_code}|${a.subject_type}|${a.subject_id}|${a.period_key}`}>
                        <td>{regionText(a.region_code)}</td>
                        <td>{periodLabel(a.period_key)}</td>
                        <td>{subject(a.subject_type, a.subject_id, a.subject_name)}</td>
                        <td className="num">{formatValue(rule.unit, a.value)}</td>
                        <td className="num">{money(a.amount)}</td>
                        <td style={{ whiteSpace: 'normal' }}>
                          <details>
                            <summary>查看</summary>
                            <p>{a.subject_type === 'insured' ? a.explanation.split(a.subject_id).join(maskId(a.subject_id)) : a.explanation}</p>
                            {a.setl_ids.length ? <p className="muted">结算单：{a.setl_ids.slice(0, 20).join('、')}{a.setl_ids.length > 20 ? ` 等 ${count(a.setl_ids.length)} 笔` : ''}</p> : null}
                            {a.stored_id ? (
                              <p>
                                <Link href={`/alerts/${a.stored_id}`}>此前已撤回的预警 #{a.stored_id}</Link>
                              </p>
                            ) : null}
                          </details>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                {pager(sp, 'ap', ap, bt.appear.length)}
              </>
            ) : (
              <p className="muted">无</p>
            )}

            {canAdopt ? (
              <div className="panel" style={{ marginTop: 12 }}>
                <h2>采用候选阈值</h2>
                {bt.regions.length === 1 && changes.length && bt.regions[0] ? (
                  <AdoptForm rule={rule.id} region={bt.regions[0]} regionName={regionText(bt.regions[0])} from={from} to={to} set={set} changes={changes} defaultMonth={nextMonth} />
                ) : (
                  <p className="muted">选择一个地区并改动至少一个阈值后回测，即可为该地区采用。</p>
                )}
              </div>
            ) : null}
          </div>
        ) : null}
      </div>
    </>
  );
}
