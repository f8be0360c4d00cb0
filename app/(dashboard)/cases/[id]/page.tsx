import Link from 'next/link';
import { Fragment } from 'react';
import { notFound } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { maskId, maskName } from '@/lib/auth/mask';
import { allowed } from '@/lib/cases/allowed';
import { holidayYearsMissing } from '@/lib/cases/deadlines';
import { PAYMENT_KIND_ZH } from '@/lib/cases/payments';
import { getCaseDetail } from '@/lib/cases/queries';
import { nextTransitions, PENALTY_STAGES, STAGE_LABEL, STAGES, type Stage } from '@/lib/cases/stages';
import { nextStep } from '@/lib/cases/next-step';
import { penaltyApproved, type CasePenalty } from '@/lib/cases/types';
import { todayShanghai } from '@/lib/penalties/dates';
import { policyLabel } from '@/lib/alerts/policy-label';
import { ruleById } from '@/lib/rules';
import { getDb } from '@/lib/db/client';
import { NotFoundError } from '@/lib/errors';
import { penaltyContract } from '@/lib/penalties/compute';
import { dateTime, money, yuanDecimal, yuanGrouped } from '@/lib/format';
import { loadPenaltyPolicy } from '@/lib/policies/penalties';
import { approvePenaltyAction, paymentAction, penaltyAction, transitionAction } from './actions';
import { flashFrom } from '@/lib/dashboard/flash';

export const dynamic = 'force-dynamic';

const SUBJECT_ZH: Record<string, string> = { institution: '定点医药机构', doctor: '医师', insured: '参保人' };
const CONTRACT_ZH: Record<string, string> = {
  principal: '追回本金',
  damages: '违约金',
  total: '合计',
  multiple: '违约金倍数',
  refund: '退还违规享受待遇',
  suspension_start: '暂停联网结算起',
  suspension_end: '恢复联网结算日（不含）',
  months: '暂停月数',
  fine: '罚款',
};
const fmt = (d: Date) => dateTime(d);

export default async function CaseDetailPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | undefined>> }) {
  const actor = await requireActor();
  const { id } = await params;
  const flash = flashFrom(await searchParams);
  if (!/^\d+$/.test(id)) notFound();
  const db = await getDb();
  const d = await getCaseDetail(db, actor, Number(id)).catch((e: unknown) => {
    if (e instanceof NotFoundError) notFound();
    throw e;
  });
  const c = d.case;
  const penalty = c.penalty as CasePenalty | null;
  const policy = loadPenaltyPolicy();
  const missingHolidayYears = c.noticeDate && c.statementDeadline ? holidayYearsMissing(policy, c.noticeDate, c.statementDeadline) : [];
  const insured = c.subjectType === 'insured';
  const stageIdx = STAGES.indexOf(c.stage as Stage);
  const inPenaltyStage = (PENALTY_STAGES as readonly string[]).includes(c.stage);
  const decides = allowed(actor, 'penalty.decide');
  const canPenalty = allowed(actor, 'penalty.propose') && inPenaltyStage;
  const approved = penaltyApproved(penalty);
  const canApprove = decides && inPenaltyStage && !!penalty && !approved;
  const step = nextStep(c, todayShanghai());
  // 送达告知书 needs an approved penalty (transition.ts); the next-step line says who approves
  const moves = nextTransitions(c.stage).filter((t) => allowed(actor, t.action) && !(t.from === 'notified' && t.to === 'decided' && c.legalReviewRequired) && !(t.to === 'notified' && !approved));
  const subject = insured ? `${maskName(c.subjectName)} ${maskId(c.subjectId)}` : `${c.subjectName ?? ''} ${c.subjectId}`;
  return (
    <>
      <h1>
        案件 {c.caseNo} <span className="badge">{STAGE_LABEL[c.stage as Stage] ?? c.stage}</span>{' '}
        {d.overdue ? <span className="badge high" data-testid="overdue">逾期</span> : null}
      </h1>
      <p className="next-step" data-testid="next-step" style={{ fontWeight: 600 }}>{step.text}</p>
      {flash.error ? <div className="error-box" role="alert">{flash.error}</div> : null}
      {flash.ok ? <div className="panel muted" role="status">{flash.ok}</div> : null}
      <div className="grid grid-2">
        <div className="panel">
          <h2>基本情况</h2>
          <dl className="kv">
            <dt>当事人</dt><dd>{SUBJECT_ZH[c.subjectType] ?? c.subjectType} {subject}</dd>
            <dt>统筹区</dt><dd>{d.regionName ? `${d.regionName} ${c.regionCode}` : c.regionCode}</dd>
            <dt>当前阶段</dt><dd data-testid="case-stage">{STAGE_LABEL[c.stage as Stage] ?? c.stage}</dd>
            <dt>案由</dt><dd>{c.title}</dd>
            <dt>违规金额（统筹支付）</dt><dd data-testid="violation-amount">{money(c.violationAmount)}</dd>
            <dt>处理总额</dt><dd data-testid="penalty-total">{money(c.penaltyTotal)}</dd>
            <dt>已执行 / 未执行</dt><dd>{money(c.recoveredAmount)} / {money(c.penaltyTotal - c.recoveredAmount)}</dd>
            <dt>决定期限</dt><dd>{c.decisionDue ?? '—'}（{policy.procedure.decisionDays.basis}）</dd>
            {c.statementDeadline ? (<><dt>陈述申辩、听证申请截止</dt><dd>{c.statementDeadline}（{policy.procedure.statementDays.basis}）{missingHolidayYears.length ? <span className="badge medium" data-testid="holidays-missing">{missingHolidayYears.join('、')} 年放假安排未录入，期限仅扣除周末，请核对</span> : null}</dd></>) : null}
            {c.noticeDate ? (<><dt>法制审核</dt><dd>{c.legalReviewRequired ? '须审核' : '无须审核'}（{policy.procedure.legalReviewYuan.basis}）</dd></>) : null}
            {c.paymentDue ? (<><dt>缴款期限</dt><dd>{c.paymentDue}</dd></>) : null}
          </dl>
          <div className="toolbar" style={{ marginTop: 12 }}>
            {allowed(actor, 'export') ? <a className="button" href={`/api/cases/${c.id}/export`} data-testid="export">导出案卷 ZIP</a> : null}
            {allowed(actor, 'export') && allowed(actor, 'reveal') ? <a className="button secondary" href={`/api/cases/${c.id}/export?reveal=1`}>导出（含未脱敏信息）</a> : null}
          </div>
        </div>
        <div className="panel">
          <h2>办理进度</h2>
          <ol className="timeline" style={{ paddingLeft: 18, margin: 0 }}>
            {STAGES.map((s, i) => (
              <li key={s} style={{ color: i <= stageIdx ? undefined : 'var(--muted)', fontWeight: i === stageIdx ? 600 : undefined }}>
                {STAGE_LABEL[s]}
                {d.events.filter((e) => e.toStage === s).map((e) => (
                  <div key={e.id} className="muted">{fmt(e.at)} {e.userName ?? ''}：{e.comment}</div>
                ))}
              </li>
            ))}
          </ol>
          {moves.length ? (
            <form action={transitionAction} className="toolbar" style={{ marginTop: 12 }}>
              <input type="hidden" name="caseId" value={c.id} />
              <input name="comment" placeholder="意见（必填）" required style={{ flex: 1, minWidth: 200 }} aria-label="意见" />
              {c.stage === 'notified' ? <label><input type="checkbox" name="waiveStatement" /> 当事人已陈述申辩或放弃</label> : null}
              {moves.map((t) => (
                <button key={t.to} type="submit" name="to" value={t.to}>{t.label}</button>
              ))}
            </form>
          ) : null}
        </div>
      </div>

      <div className="panel">
        <h2>处罚计算（拟处罚）</h2>
        {penalty ? (
          <dl className="kv" data-testid="penalty-result">
            {Object.entries(penaltyContract(penalty.calc)).filter(([k]) => k !== 'basis').map(([k, v]) => (<Fragment key={k}><dt>{k === 'multiple' && insured ? '罚款倍数' : (CONTRACT_ZH[k] ?? k)}</dt><dd>{/^(principal|damages|total|refund|fine)$/.test(k) ? yuanGrouped(Math.round(Number(v) * 100)) : String(v)}{k === 'multiple' ? ' 倍' : k === 'months' ? ' 个月' : /^(principal|damages|total|refund|fine)$/.test(k) ? ' 元' : ''}</dd></Fragment>))}
            <dt>裁量档次</dt><dd>{penalty.calc.tier.label}（分值 {penalty.calc.tier.score}：{penalty.calc.tier.reasons.join('，')}）</dd>
            {penalty.override ? (<><dt>偏离建议理由</dt><dd>{penalty.override.reason}</dd></>) : null}
            <dt>拟定</dt><dd>{penalty.setBy}，{fmt(new Date(penalty.setAt))}</dd>
            <dt>审批</dt>
            <dd data-testid="penalty-approval">
              {penalty.approval === undefined ? '—' : penalty.approval === null ? <span className="badge medium">待 复核/法制 审批</span> : `${penalty.approval.by} 已审批，${fmt(new Date(penalty.approval.at))}${penalty.approval.comment ? `：${penalty.approval.comment}` : ''}`}
            </dd>
            <dt>处罚政策版本</dt><dd>{policyLabel(penalty.calc.policyId)}</dd>
            <dt>依据</dt><dd style={{ whiteSpace: 'normal' }}>{penalty.calc.basis}</dd>
          </dl>
        ) : (
          <p className="muted" data-testid="penalty-none">
            尚未拟定处罚。{inPenaltyStage ? (canPenalty ? (decides ? '填写下列各项后计算并保存。' : '请在下方拟定处罚（按裁量档次建议），提交后由 复核/法制 审批。') : '由稽核员拟定、复核/法制审批。') : c.stage === 'filed' ? '开始调查后拟定。' : ''}
          </p>
        )}
        {canApprove ? (
          <form action={approvePenaltyAction} className="toolbar" style={{ marginTop: 12 }}>
            <input type="hidden" name="caseId" value={c.id} />
            <input name="comment" placeholder="审批意见（选填）" aria-label="审批意见" style={{ flex: 1, minWidth: 200 }} />
            <button type="submit">审批通过拟处罚</button>
            <span className="muted">不同意时可直接修改下方各项后重新计算保存</span>
          </form>
        ) : null}
        {canPenalty ? (
          <form action={penaltyAction} className="toolbar" style={{ marginTop: 12 }}>
            <input type="hidden" name="caseId" value={c.id} />
            {decides ? null : <input type="hidden" name="propose" value="1" />}
            <label>违规金额(元) <input name="amount" defaultValue={yuanDecimal(c.violationAmount)} size={12} /></label>
            {!insured ? <label>个人自付(元) <input name="ownPay" defaultValue={yuanDecimal(c.ownPayAmount)} size={10} /></label> : null}
            <label>{insured ? '罚款倍数' : '违约金倍数'} <input name="multiple" placeholder={`建议 ${penalty?.proposed.multiple ? penalty.proposed.multiple / 100 : '按档次'}`} size={8} /></label>
            {insured ? <label>暂停月数 <input name="months" placeholder={`建议 ${penalty?.proposed.months ?? '按档次'}`} size={6} /></label> : null}
            {insured ? <label>暂停起始 <input name="start" type="date" /></label> : null}
            <label><input type="checkbox" name="fraud" defaultChecked={penalty?.factors.fraud} /> 骗取</label>
            <label><input type="checkbox" name="repeat" defaultChecked={penalty?.factors.repeat} /> 再次违规</label>
            <label><input type="checkbox" name="cooperation" defaultChecked={penalty?.factors.cooperation} /> 主动退回/配合</label>
            <input name="reason" placeholder="偏离建议时须写明理由" style={{ flex: 1, minWidth: 200 }} aria-label="理由" />
            <button type="submit">{decides ? '计算并保存' : '提交拟处罚'}</button>
            <span className="muted">幅度：{insured ? `${policy.insured.months.min}–${policy.insured.months.max} 个月；骗取罚款 ${policy.insured.fineMultiple.min}–${policy.insured.fineMultiple.max} 倍` : `违约金 ${policy.institution.multiple.min}–${policy.institution.multiple.max} 倍`}（{policy.discretion.basis}）</span>
          </form>
        ) : null}
      </div>

      <div className="panel">
        <h2>关联预警（{d.alerts.length}）</h2>
        <table className="data">
          <thead><tr><th>预警</th><th>规则</th><th>期间</th><th className="num">金额</th><th>说明</th></tr></thead>
          <tbody>
            {d.alerts.map((a) => (
              <tr key={a.id}>
                <td><Link href={`/alerts/${a.id}`}>#{a.id}</Link></td>
                <td>{ruleById(a.ruleId)?.nameZh ?? a.ruleId}</td>
                <td>{a.periodStart}～{a.periodEnd}</td>
                <td className="num">{money(a.amount)}</td>
                <td style={{ whiteSpace: 'normal' }}>{insured ? a.explanation.split(a.subjectId).join(maskId(a.subjectId)) : a.explanation}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {(c.stage === 'decided' || c.stage === 'enforcing' || d.payments.length > 0) ? (
        <div className="panel">
          <h2>执行（追回与缴款）</h2>
          <table className="data">
            <thead><tr><th>日期</th><th>类别</th><th className="num">金额</th><th>备注</th></tr></thead>
            <tbody>
              {d.payments.map((p) => (
                <tr key={p.id}><td>{p.paidOn}</td><td>{PAYMENT_KIND_ZH[p.kind] ?? p.kind}</td><td className="num">{money(p.amount)}</td><td>{p.comment}</td></tr>
              ))}
            </tbody>
          </table>
          {d.suspensions.map((s) => (<p key={s.id}>暂停联网结算：{s.startDate} 起至 {s.endDate} 前（不含该日）</p>))}
          {(c.stage === 'decided' || c.stage === 'enforcing') && allowed(actor, 'case.transition') ? (
            <form action={paymentAction} className="toolbar">
              <input type="hidden" name="caseId" value={c.id} />
              <select name="kind" aria-label="类别">
                {(insured ? ['refund', 'fine'] : ['principal', 'damages']).map((k) => (<option key={k} value={k}>{PAYMENT_KIND_ZH[k]}</option>))}
              </select>
              <input name="amount" placeholder="金额(元)" size={12} aria-label="金额" />
              <input name="paidOn" type="date" aria-label="缴款日期" />
              <input name="comment" placeholder="备注" aria-label="备注" />
              <button type="submit">登记缴款</button>
            </form>
          ) : null}
        </div>
      ) : null}
    </>
  );
}
