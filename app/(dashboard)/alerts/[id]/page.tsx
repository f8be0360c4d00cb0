import Link from 'next/link';
import { notFound } from 'next/navigation';
import { AlertActions } from '../alert-actions';
import { Chart } from '@/components/chart';
import { Reveal } from '@/components/reveal';
import { Empty } from '@/components/states';
import { formatValue, peerPanel } from '@/lib/alerts/explain';
import { getAlert } from '@/lib/alerts/queries';
import { requireActor } from '@/lib/auth/current';
import { maskId, maskName } from '@/lib/auth/mask';
import { can } from '@/lib/auth/permissions';
import { RESULT_LABEL, SEVERITY_LABEL, STATUS_LABEL, SUBJECT_TYPE_LABEL, subjectHref } from '@/lib/dashboard/labels';
import { itemTypeLabel } from '@/lib/dashboard/profiles';
import { assignableUsers, userNames } from '@/lib/dashboard/users';
import { policyLabel } from '@/lib/alerts/policy-label';
import { dismissReasonLabel } from '@/lib/alerts/verdict-reasons';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { resolveBasis, scopeLabel } from '@/lib/policies/basis';
import { dateTime, money, pct, periodLabel, yuan } from '@/lib/format';
import { ruleById } from '@/lib/rules';

export const dynamic = 'force-dynamic';

const ACTION_LABEL: Record<string, string> = { raised: '生成', assign: '分派', confirm: '确认', dismiss: '排除（误报）', case: '立案', create: '生成', reopen: '撤销结论', withdrawn: '撤回（重新计算后不再成立）', reraised: '重新生成' };

function histogram(values: number[], bins = 20) {
  if (!values.length) return [];
  const min = Math.min(...values);
  const max = Math.max(...values);
  if (max === min) return [{ from: min, to: max, n: values.length }];
  const w = (max - min) / bins;
  const out = Array.from({ length: bins }, (_, i) => ({ from: min + i * w, to: min + (i + 1) * w, n: 0 }));
  for (const v of values) {
    const b = out[Math.min(Math.floor((v - min) / w), bins - 1)];
    if (b) b.n += 1;
  }
  return out;
}

export default async function AlertDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const actor = await requireActor();
  const { id: raw } = await params;
  const id = Number(raw);
  if (!Number.isInteger(id) || id <= 0) notFound();
  const db = await getDb();
  const data = await scoped(db, actor, async (tx) => {
    const d = await getAlert(tx, id);
    if (!d) return null;
    const ids = [d.alert.assignedTo, ...d.history.map((h) => h.userId)];
    return { d, users: await assignableUsers(tx, [d.alert.regionCode]), names: await userNames(tx, ids) };
  });
  if (!data) notFound();
  const { d, users, names: userName } = data;
  const a = d.alert;
  const rule = ruleById(a.ruleId);
  const unit = rule?.unit ?? 'count';
  const insured = a.subjectType === 'insured';
  const shownId = insured ? maskId(a.subjectId) : a.subjectId;
  const shownName = insured ? (a.subjectName ? maskName(a.subjectName) : null) : a.subjectName;
  const href = subjectHref(a.subjectType, a.subjectId);
  // Money-valued rules store the value in fen; the chart works in the rule's unit
  const chartUnit = unit === 'yuan' ? 'fen' : unit === 'percent' ? 'ratio' : 'count';
  const panel = peerPanel(rule, a, d.peers);
  const peerValues = panel.values;
  // the clauses that bind this alert's region; another region's clause only as 参照
  const cited = resolveBasis(a.ruleId, a.regionCode);
  const marks = [
    ...(a.value !== null ? [{ value: a.value, label: '本对象', color: '#c2312b' }] : []),
    ...(a.threshold !== null ? [{ value: a.threshold, label: '阈值', color: '#b7791f' }] : []),
    ...(a.peerMedian !== null ? [{ value: a.peerMedian, label: '中位数', color: '#2f7d4f' }] : []),
  ];
  const explanation = insured ? a.explanation.split(a.subjectId).join(shownId) : a.explanation;
  const canAct = can(actor, 'alert.verdict') && ['new', 'assigned', 'confirmed', 'dismissed'].includes(a.status);
  const assignee = a.assignedTo === null ? null : (userName.get(a.assignedTo) ?? `用户 ${a.assignedTo}`);

  return (
    <>
      <div className="page-head">
        <h1>
          预警 #{a.id} · {rule?.nameZh ?? a.ruleId}
        </h1>
        <span className={`badge ${a.severity}`}>{SEVERITY_LABEL[a.severity] ?? a.severity}</span>
        <span className={`badge status-${a.status}`} data-testid="alert-status">
          {STATUS_LABEL[a.status] ?? a.status}
        </span>
        <span className="badge">{RESULT_LABEL[a.resultType] ?? a.resultType}</span>
        <span className="spacer" />
        <Link href="/alerts">← 返回预警列表</Link>
      </div>

      <div className="panel">
        <div className="explain" data-testid="alert-explanation">
          {explanation}
        </div>
        <div className="figure">
          <div>
            <div className="label">对象</div>
            <div className="value" style={{ fontSize: 14 }}>
              {SUBJECT_TYPE_LABEL[a.subjectType] ?? a.subjectType}{' '}
              {href ? <Link href={href}>{shownName ?? shownId}</Link> : (shownName ?? shownId)}{' '}
              {insured ? <Reveal entity="alert" id={a.id} field="subject_id" masked={shownId} allowed={can(actor, 'reveal')} /> : shownName ? <span className="muted">{shownId}</span> : null}
            </div>
          </div>
          <div>
            <div className="label">期间</div>
            <div className="value" style={{ fontSize: 14 }}>
              {periodLabel(a.periodKey)}
            </div>
          </div>
          <div>
            <div className="label">指标值</div>
            <div className="value" data-testid="alert-value">
              {formatValue(unit, a.value)}
            </div>
          </div>
          <div>
            <div className="label">阈值</div>
            <div className="value" data-testid="alert-threshold">
              {formatValue(unit, a.threshold)}
            </div>
          </div>
          {panel.compares ? (
            <>
              <div>
                <div className="label">同组中位数</div>
                <div className="value">{formatValue(unit, a.peerMedian)}</div>
              </div>
              <div>
                <div className="label">百分位</div>
                <div className="value">{a.percentile === null ? '—' : pct(a.percentile)}</div>
              </div>
            </>
          ) : null}
          <div>
            <div className="label">涉及统筹金额</div>
            <div className="value">{money(a.amount)}</div>
          </div>
        </div>
        <h2>政策依据</h2>
        {cited.basis.length ? (
          cited.basis.map((b) => (
            <div className="clause" key={`${b.doc}${b.clause}${b.text}`} data-testid="alert-clause">
              <strong>
                {b.doc} {b.clause}
              </strong>
              ：{b.text}
              <span className="muted">（{scopeLabel(b.scope)}）</span>
            </div>
          ))
        ) : (
          <div className="clause" data-testid="alert-clause">{a.clause}</div>
        )}
        {cited.references.length ? (
          <div data-testid="alert-references">
            {cited.references.map((b) => (
              <p className="muted" key={`${b.doc}${b.clause}`}>
                参照（其他地区文件，不作为本地区处理依据）：{b.doc} {b.clause}：{b.text}
              </p>
            ))}
          </div>
        ) : null}
        {a.policyId ? (
          <p className="muted" data-testid="alert-policy">
            政策版本：{policyLabel(a.policyId)} · <Link href={`/rules/${a.ruleId}?region=${a.regionCode}`}>本规则的阈值、质量与回测</Link>
          </p>
        ) : null}
        {a.dismissReason ? <p>排除原因：{a.dismissReason}</p> : null}
      </div>

      <div className="panel">
        <h2>处理</h2>
        <p data-testid="alert-assignee">
          处理人：{assignee ?? <span className="muted">未分派</span>}
        </p>
        {canAct ? (
          <AlertActions
            ids={[a.id]}
            regions={[a.regionCode]}
            users={users}
            canVerdict={a.status === 'new' || a.status === 'assigned'}
            canReopen={a.status === 'confirmed' || a.status === 'dismissed'}
            canCase={can(actor, 'case.open') && a.status === 'confirmed'}
          />
        ) : (
          <p className="muted">{a.status === 'case' && a.caseId ? <Link href={`/cases/${a.caseId}`}>已立案，查看案件 →</Link> : '当前状态无需处理或您没有处理权限。'}</p>
        )}
      </div>

      <div className="grid grid-2-1">
        <div className="panel" data-testid="peer-panel">
          <h2>
            同组分布<span className="muted">{panel.compares ? panel.group : ''}</span>
          </h2>
          {panel.compares ? (
            <>
              <dl className="kv" data-testid="peer-numbers">
                <dt>同组数量</dt>
                <dd>{panel.n ?? '—'}</dd>
                <dt>同组中位数</dt>
                <dd>{formatValue(unit, panel.median)}</dd>
                <dt>本对象百分位</dt>
                <dd>{panel.percentile === null ? '—' : pct(panel.percentile)}</dd>
                {panel.thresholdPercentile !== null ? (
                  <>
                    <dt>预警百分位阈值</dt>
                    <dd>{pct(panel.thresholdPercentile)}</dd>
                  </>
                ) : null}
                <dt>稳健 z 值</dt>
                <dd>
                  {panel.robustZ === null ? '—' : panel.robustZ.toFixed(1)}
                  {panel.thresholdZ !== null ? `（阈值 ≥ ${panel.thresholdZ}）` : ''}
                </dd>
              </dl>
              {peerValues.length ? (
                <Chart label="同组分布，标出本对象与阈值" spec={{ kind: 'histogram', unit: chartUnit, bins: histogram(peerValues), marks }} height={240} />
              ) : (
                <p className="muted">本规则的同组数值在计算时得出，未逐一保存；上列为计算结果。</p>
              )}
            </>
          ) : (
            <Empty>本规则不做同组比较，判定依据见上方指标值与阈值；证据见下方结算明细。</Empty>
          )}
        </div>
        <div className="panel">
          <h2>处理记录</h2>
          {d.history.length === 0 ? (
            <Empty>尚无处理记录</Empty>
          ) : (
            <table className="data" data-testid="alert-history">
              <thead>
                <tr>
                  <th>时间</th>
                  <th>操作</th>
                  <th>人员</th>
                  <th>原因/意见</th>
                </tr>
              </thead>
              <tbody>
                {d.history.map((h) => (
                  <tr key={h.id}>
                    <td>{dateTime(h.at)}</td>
                    <td>
                      {ACTION_LABEL[h.action] ?? h.action}
                      {h.toStatus ? <span className="muted"> → {STATUS_LABEL[h.toStatus] ?? h.toStatus}</span> : null}
                    </td>
                    <td>{h.userId ? (userName.get(h.userId) ?? `#${h.userId}`) : '系统'}</td>
                    <td style={{ whiteSpace: 'normal' }}>{[dismissReasonLabel(h.reasonCode), h.reason].filter(Boolean).join('：')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>

      <div className="panel">
        <h2>
          证据结算<span className="muted">{d.claims.length} 笔{d.claims.length >= 200 ? '（仅显示前 200 笔）' : ''}，含费用明细</span>
        </h2>
        {d.claims.length === 0 ? (
          <Empty>本预警为汇总指标预警，无逐笔证据；请在对象画像中查看费用最高的结算。</Empty>
        ) : (
          <table className="data" data-testid="evidence-claims">
            <thead>
              <tr>
                <th>结算号</th>
                <th>结算时间</th>
                <th>参保人</th>
                <th>机构</th>
                <th className="num">医疗费用</th>
                <th className="num">全自费</th>
                <th className="num">统筹支付（结算）</th>
                <th className="num">统筹支付（按政策重算）</th>
              </tr>
            </thead>
            <tbody>
              {d.claims.slice(0, 200).flatMap((c) => [
                <tr key={c.setl_id}>
                  <td>{c.setl_id}</td>
                  <td>{c.setl_time.slice(0, 16)}</td>
                  <td>{maskId(c.psn_no)}</td>
                  <td>{c.fixmedins_code}</td>
                  <td className="num">{yuan(c.medfee_sumamt)}</td>
                  <td className="num">{yuan(c.fulamt_ownpay_amt)}</td>
                  <td className="num">{yuan(c.hifp_pay)}</td>
                  <td className="num">{c.fund_pay_expected === null ? '—' : yuan(c.fund_pay_expected)}</td>
                </tr>,
                ...c.lines.slice(0, 12).map((l) => (
                  <tr key={`${c.setl_id}:${l.feedetl_sn}`} className="lines">
                    <td />
                    <td colSpan={2}>
                      {itemTypeLabel(l.med_chrgitm_type)} {l.hilist_name ?? l.hilist_code ?? ''}
                    </td>
                    <td>{l.bilg_dr_codg ?? ''}</td>
                    <td className="num">{yuan(l.det_item_fee_sumamt)}</td>
                    <td colSpan={3}>{l.medc_days ? `用药 ${l.medc_days} 天` : ''}</td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
