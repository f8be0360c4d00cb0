/**
 * The body of the institution / doctor / insured-person profile: who, indicator trends against the
 * peer median, cost structure now vs before, top items, diagnoses, prescriptions by days, the
 * costliest claims, alerts and cases. Insured identifiers are masked; the reveal is audited.
 */
import Link from 'next/link';
import { Chart } from './chart';
import { Reveal } from './reveal';
import { Empty } from './states';
import { maskId } from '@/lib/auth/mask';
import { codeLabel, INST_TYPE_LABEL, LEVEL_LABEL, SEVERITY_LABEL, STATUS_LABEL } from '@/lib/dashboard/labels';
import { itemTypeLabel, type Profile } from '@/lib/dashboard/profiles';
import type { Scope } from '@/lib/dashboard/scope';
import { ruleById } from '@/lib/rules';
import { count, growth, money, monthTick, pct, periodLabel, yuan } from '@/lib/format';

const TITLE: Record<Profile['kind'], string> = { institution: '机构画像', doctor: '医师画像', insured: '参保人画像' };

function change(cur: number | null, prev: number | null): string {
  return cur === null || prev === null || !prev ? '—' : growth(cur / prev - 1);
}

export function ProfileView({ profile: p, scope, canReveal }: { profile: Profile; scope: Scope; canReveal: boolean }) {
  const insured = p.kind === 'insured';
  const x = p.trend.map((t) => monthTick(t.month));
  const peerName = insured ? '统筹区平均' : '同组中位数';
  const s = p.structure;
  return (
    <>
      <div className="page-head">
        <h1>
          {TITLE[p.kind]} · {insured ? <Reveal entity="insured_person" id={p.id} field="psn_no" masked={maskId(p.id)} allowed={canReveal} /> : (p.name ?? p.id)}
        </h1>
        <span className="sub">
          {insured ? '' : p.id} · 地区 {p.regionCode} · {periodLabel(scope.period.key)}（对比 {periodLabel(scope.prev.key)}）
        </span>
      </div>
      <div className="panel">
        <dl className="kv" style={{ gridTemplateColumns: 'max-content 1fr max-content 1fr max-content 1fr' }}>
          {p.kind === 'institution' ? (
            <>
              <dt>类型</dt>
              <dd>
                {INST_TYPE_LABEL[String(p.info.type)] ?? p.info.type} · {LEVEL_LABEL[Number(p.info.level)] ?? p.info.level}
                {p.info.feeClass ? ` · 收费类别 ${codeLabel('feeClass', String(p.info.feeClass))}` : ''}
              </dd>
              <dt>定点</dt>
              <dd>{p.info.designated ?? '—'}</dd>
              <dt>同组</dt>
              <dd>{p.info.peerKey ?? '—'}</dd>
              <dt>年度总额预算</dt>
              <dd>{money(p.info.annualBudget === null ? null : Number(p.info.annualBudget))}</dd>
              <dt>本年已用</dt>
              <dd>{money(p.info.fundYtd === null ? null : Number(p.info.fundYtd))}</dd>
              <dt>执行率</dt>
              <dd>{pct(p.info.budgetUse === null ? null : Number(p.info.budgetUse))}</dd>
            </>
          ) : p.kind === 'doctor' ? (
            <>
              <dt>所在机构</dt>
              <dd>{p.info.institution ? <Link href={`/institutions/${encodeURIComponent(String(p.info.institution))}`}>{p.info.institutionName ?? p.info.institution}</Link> : '—'}</dd>
              <dt>科室</dt>
              <dd>{p.info.dept ?? '—'}</dd>
            </>
          ) : (
            <>
              <dt>人员类别</dt>
              <dd>{p.info.psnType === null || p.info.psnType === undefined ? '—' : codeLabel('psnType', String(p.info.psnType))}</dd>
              <dt>性别</dt>
              <dd>{p.info.gend === '1' ? '男' : p.info.gend === '2' ? '女' : '—'}</dd>
              <dt>出生年份</dt>
              <dd>{p.info.birthYear ?? '—'}</dd>
            </>
          )}
        </dl>
      </div>
      <div className="grid grid-4">
        {[
          { label: '就诊人次', cur: count(s.cur.visits), ch: change(s.cur.visits, s.prev.visits) },
          { label: '次均费用', cur: yuan(s.cur.perVisit === null ? null : Math.round(s.cur.perVisit)), ch: change(s.cur.perVisit, s.prev.perVisit) },
          { label: '统筹基金支付', cur: money(s.cur.fund), ch: change(s.cur.fund, s.prev.fund) },
          { label: '检查检验 / 药品占比', cur: `${pct(s.cur.examShare)} / ${pct(s.cur.drugShare)}`, ch: `上期 ${pct(s.prev.examShare)} / ${pct(s.prev.drugShare)}` },
        ].map((k) => (
          <div className="panel kpi" key={k.label}>
            <div className="label">{k.label}</div>
            <div className="value">{k.cur}</div>
            <div className="change">较上期 {k.ch}</div>
          </div>
        ))}
      </div>
      <div className="grid grid-2">
        <div className="panel">
          <h2>
            次均费用<span className="muted">与{peerName}对比，近 12 个月</span>
          </h2>
          <Chart label="次均费用与同组对比" spec={{ kind: 'line', unit: 'fen', x, series: [{ name: '本对象', data: p.trend.map((t) => t.perVisit) }, { name: peerName, data: p.trend.map((t) => t.peerPerVisit), dashed: true, color: '#9aa5b5' }] }} />
        </div>
        <div className="panel">
          <h2>
            检查检验费占比<span className="muted">与{peerName}对比</span>
          </h2>
          <Chart label="检查检验占比与同组对比" spec={{ kind: 'line', unit: 'ratio', x, series: [{ name: '本对象', data: p.trend.map((t) => t.examShare) }, { name: peerName, data: p.trend.map((t) => t.peerExamShare), dashed: true, color: '#9aa5b5' }] }} />
        </div>
      </div>
      <div className="grid grid-2">
        <div className="panel">
          <h2>
            费用最高的项目<span className="muted">本期与上期金额</span>
          </h2>
          {p.topItems.length === 0 ? (
            <Empty>本期无费用明细</Empty>
          ) : (
            <table className="data" data-testid="top-items">
              <thead>
                <tr>
                  <th>项目</th>
                  <th>类别</th>
                  <th className="num">本期金额</th>
                  <th className="num">上期金额</th>
                  <th className="num">变化</th>
                  <th className="num">条数</th>
                </tr>
              </thead>
              <tbody>
                {p.topItems.map((i) => (
                  <tr key={i.code ?? 'none'}>
                    <td>
                      {i.name ?? i.code ?? '（未编码）'} <span className="muted">{i.code}</span>
                    </td>
                    <td>{itemTypeLabel(i.type)}</td>
                    <td className="num">{money(i.amount)}</td>
                    <td className="num">{money(i.prevAmount)}</td>
                    <td className="num">{change(i.amount, i.prevAmount)}</td>
                    <td className="num">{count(i.lines)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="panel">
          <h2>处方用药天数<span className="muted">本期含药品的就诊</span></h2>
          <Chart label="处方按用药天数分布" height={180} spec={{ kind: 'bar', unit: 'count', x: p.rxDays.map((r) => r.bucket), series: [{ name: '就诊人次', data: p.rxDays.map((r) => r.visits) }] }} />
          <h2>主要诊断</h2>
          {p.diagnoses.length === 0 ? (
            <Empty>本期无诊断信息</Empty>
          ) : (
            <table className="data">
              <thead>
                <tr>
                  <th>诊断编码</th>
                  <th className="num">人次</th>
                  <th className="num">费用</th>
                </tr>
              </thead>
              <tbody>
                {p.diagnoses.map((d) => (
                  <tr key={d.code}>
                    <td>{d.code}</td>
                    <td className="num">{count(d.visits)}</td>
                    <td className="num">{money(d.amount)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
      <div className="panel">
        <h2>
          费用最高的结算<span className="muted">本期前 15 笔</span>
        </h2>
        {p.claims.length === 0 ? (
          <Empty>本期无结算</Empty>
        ) : (
          <table className="data" data-testid="top-claims">
            <thead>
              <tr>
                <th>结算号</th>
                <th>时间</th>
                <th>参保人</th>
                <th>机构</th>
                <th className="num">医疗费用</th>
                <th className="num">统筹支付</th>
                <th className="num">检查检验</th>
                <th className="num">药品</th>
                <th className="num">最长用药天数</th>
              </tr>
            </thead>
            <tbody>
              {p.claims.map((c) => (
                <tr key={c.setlId}>
                  <td>{c.setlId}</td>
                  <td>{c.setlTime.slice(0, 16)}</td>
                  <td>{maskId(c.psnNo)}</td>
                  <td>
                    <Link href={`/institutions/${encodeURIComponent(c.institution)}`}>{c.institution}</Link>
                  </td>
                  <td className="num">{yuan(c.medfee)}</td>
                  <td className="num">{yuan(c.fund)}</td>
                  <td className="num">{yuan(c.exam)}</td>
                  <td className="num">{yuan(c.drug)}</td>
                  <td className="num">{c.maxDays ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
      <div className="grid grid-2">
        <div className="panel">
          <h2>预警</h2>
          {p.alerts.length === 0 ? (
            <Empty>无预警</Empty>
          ) : (
            <table className="data" data-testid="profile-alerts">
              <thead>
                <tr>
                  <th>编号</th>
                  <th>规则</th>
                  <th>等级</th>
                  <th>期间</th>
                  <th className="num">金额</th>
                  <th>状态</th>
                </tr>
              </thead>
              <tbody>
                {p.alerts.map((a) => (
                  <tr key={a.id}>
                    <td>
                      <Link href={`/alerts/${a.id}`}>#{a.id}</Link>
                    </td>
                    <td>{ruleById(a.ruleId)?.nameZh ?? a.ruleId}</td>
                    <td>
                      <span className={`badge ${a.severity}`}>{SEVERITY_LABEL[a.severity] ?? a.severity}</span>
                    </td>
                    <td>{periodLabel(a.periodKey)}</td>
                    <td className="num">{money(a.amount)}</td>
                    <td>
                      <span className={`badge status-${a.status}`}>{STATUS_LABEL[a.status] ?? a.status}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
        <div className="panel">
          <h2>案件</h2>
          {p.cases.length === 0 ? (
            <Empty>无案件</Empty>
          ) : (
            <table className="data">
              <tbody>
                {p.cases.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link href={`/cases/${c.id}`}>{c.caseNo}</Link>
                    </td>
                    <td style={{ whiteSpace: 'normal' }}>{c.title}</td>
                    <td>{c.stage}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </>
  );
}
