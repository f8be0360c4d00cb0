import Link from 'next/link';
import { notFound } from 'next/navigation';
import { Chart } from '@/components/chart';
import { requireActor } from '@/lib/auth/current';
import { maskId } from '@/lib/auth/mask';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db/client';
import { DEMO_REGIONS } from '@/lib/demo';
import { NotFoundError } from '@/lib/errors';
import { count, dateTime, money, yuan } from '@/lib/format';
import { rateText } from '@/lib/adjudication/records';
import type { MoneyPair, VisitSide } from '@/lib/whatif/run';
import { changeLabel, changeValue, scenarioImpact, type Impact } from '@/lib/whatif/view';

export const dynamic = 'force-dynamic';

type Search = Record<string, string | string[] | undefined>;
const one = (sp: Search, k: string) => {
  const v = sp[k];
  const s = typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined;
};

const LEVEL: Record<string, string> = { '1': '一级及以下', '2': '二级', '3': '三级', pharmacy: '定点零售药店' };
const PSN: Record<string, string> = { in_service: '在职', retired: '退休' };
const EXCLUDED: Record<string, string> = {
  non_designated: '非定点机构',
  no_card: '未持卡/电子凭证',
  pharmacy_no_rx: '药店购药无处方',
  out_of_area_temporary: '临时外出异地就医',
  arrears: '欠费/待遇等待期',
  suspended: '待遇暂停',
  inpatient_overlap: '住院期间',
  separate_benefit: '另有待遇',
  below_deductible: '起付标准以下',
  above_cap: '已达年度限额',
  out_of_catalogue: '目录外（全自费）',
  pharmacy_not_covered: '方案：药店不纳入统筹',
};

const delta = (p: { before: number; after: number }) => p.after - p.before;
function Delta({ fen }: { fen: number }) {
  // more paid by the fund in red, less in green (the fund's view)
  return <span style={{ color: fen > 0 ? 'var(--danger)' : fen < 0 ? 'var(--ok)' : 'var(--muted)' }}>{fen > 0 ? '+' : ''}{money(fen)}</span>;
}

function Calc({ label, s }: { label: string; s: VisitSide }) {
  if (s.error) return <div>{label}：{s.error}</div>;
  return (
    <div style={{ marginBottom: 6 }}>
      <b>{label}</b>（政策版本 {s.policyId}）：可报销 {yuan(s.eligible)}，起付 {yuan(s.deductible)}，比例 {rateText(s.rateBp)}，统筹支付 <b>{yuan(s.fundPay)}</b>，个人负担 {yuan(s.selfPay)}；
      年度累计统筹 {yuan(s.yearFundPaid)}、起付 {yuan(s.yearDeductiblePaid)}
      {s.capped ? '，受年度限额约束' : ''}
      {s.excluded ? `，不予支付：${EXCLUDED[s.excluded] ?? s.excluded}` : ''}
      <div className="clause">依据：{s.clause || '—'}</div>
    </div>
  );
}

function pairRows<T extends MoneyPair>(rows: T[], label: (r: T) => string) {
  return rows.map((r) => (
    <tr key={label(r)}>
      <td>{label(r)}</td>
      <td className="num">{money(r.fund.before)}</td>
      <td className="num">{money(r.fund.after)}</td>
      <td className="num">
        <Delta fen={delta(r.fund)} />
      </td>
      <td className="num">{money(r.self.before)}</td>
      <td className="num">{money(r.self.after)}</td>
    </tr>
  ));
}

const HEAD = (
  <tr>
    <th></th>
    <th className="num">统筹 现行</th>
    <th className="num">统筹 方案</th>
    <th className="num">变化</th>
    <th className="num">个人负担 现行</th>
    <th className="num">个人负担 方案</th>
  </tr>
);

/** 方案测算: the scenario's re-adjudication of its region's loaded visits beside the policy in force. */
export default async function WhatifImpactPage({ params, searchParams }: { params: Promise<{ id: string; sid: string }>; searchParams: Promise<Search> }) {
  const actor = await requireActor();
  const { id, sid } = await params;
  const sp = await searchParams;
  const from = one(sp, 'from');
  const to = one(sp, 'to');
  const vsRaw = typeof sp.vs === 'string' && /^\d+$/.test(sp.vs) ? Number(sp.vs) : null;
  const db = await getDb();
  let a: Impact;
  let b: Impact | null = null;
  try {
    a = await scenarioImpact(db, actor, Number(sid), { from, to });
    if (a.saved.basePolicyId !== id) notFound();
    if (vsRaw !== null) b = await scenarioImpact(db, actor, vsRaw, { from: a.result.from, to: a.result.to });
  } catch (e) {
    if (e instanceof NotFoundError) notFound();
    throw e;
  }
  const r = a.result;
  const s = a.saved;
  const region = DEMO_REGIONS.find((x) => x.code === s.regionCode)?.name ?? s.regionCode;
  const q = new URLSearchParams({ from: r.from, to: r.to });
  const months = r.byMonth.map((m) => m.month);
  const bMonth = new Map(b?.result.byMonth.map((m) => [m.month, m.fund.after]) ?? []);
  return (
    <>
      <p>
        <Link href={`/policies/${id}/whatif`}>← 模拟调整</Link>
      </p>
      <div className="page-head">
        <h1>方案测算：{s.name}</h1>
        <span className="sub">
          {s.body.id} · {region}（{s.regionCode}）· 以 {a.base?.id ?? s.basePolicyId} 为起点 · {s.authorName} 于 {dateTime(s.createdAt)} 拟定 · 仅测算，不生效
        </span>
      </div>
      <form className="toolbar panel" method="get">
        {b ? <input type="hidden" name="vs" value={b.saved.id} /> : null}
        <label>
          期间 <input type="date" name="from" defaultValue={r.from} aria-label="开始日期" />
        </label>
        <label>
          至 <input type="date" name="to" defaultValue={r.to} aria-label="结束日期" />
        </label>
        <button type="submit" className="secondary">
          重新测算
        </button>
        <span className="muted">
          年度起付与限额自 {r.from.slice(0, 4)}-01-01 起按结算顺序累计（期间之前的结算只计入累计，不计入合计）· 读取 {count(r.visitsRead)} 笔结算，用时 {count(r.ms)} 毫秒
        </span>
        <span className="spacer" />
        {can(actor, 'export') ? (
          <a className="button" href={`/api/whatif/${s.id}/export?${q.toString()}${b ? `&vs=${b.saved.id}` : ''}`} data-testid="export-xlsx">
            导出 XLSX
          </a>
        ) : null}
      </form>

      <div className="panel">
        <h2>调整内容<span className="muted">（每项注明现行政策的原依据条款）</span></h2>
        {r.changes.length === 0 ? (
          <p className="muted">与现行政策相同（测算结果应与现行完全一致）。</p>
        ) : (
          <table className="data" data-testid="changes">
            <thead>
              <tr>
                <th>调整项</th>
                <th className="num">现行</th>
                <th className="num">方案</th>
                <th>现行依据</th>
              </tr>
            </thead>
            <tbody>
              {r.changes.map((c) => (
                <tr key={c.field}>
                  <td>{changeLabel(c.field)}</td>
                  <td className="num">{changeValue(c.field, c.before)}</td>
                  <td className="num">{changeValue(c.field, c.after)}</td>
                  <td style={{ whiteSpace: 'normal' }}>
                    {c.cite.doc.replace(/\s*\(seed \d+\)\s*$/, '')} {c.cite.clause}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>

      <div className="grid grid-4">
        <div className="panel kpi" data-testid="kpi-fund">
          <div className="label">统筹基金支付（现行 → 方案）</div>
          <div className="value">{money(r.total.fund.after)}</div>
          <div className="change">
            现行 {money(r.total.fund.before)}，变化 <Delta fen={delta(r.total.fund)} />
          </div>
        </div>
        <div className="panel kpi">
          <div className="label">个人负担</div>
          <div className="value">{money(r.total.self.after)}</div>
          <div className="change">
            现行 {money(r.total.self.before)}，变化 <Delta fen={delta(r.total.self)} />
          </div>
        </div>
        <div className="panel kpi">
          <div className="label">达到年度限额人数</div>
          <div className="value">{count(r.cappedPersons.after)}</div>
          <div className="change">现行 {count(r.cappedPersons.before)}</div>
        </div>
        <div className="panel kpi">
          <div className="label">结算人次 / 参保人数</div>
          <div className="value">{count(r.visits)}</div>
          <div className="change">
            {count(r.persons)} 人；结果变化 {count(r.changedVisits)} 人次{r.errors ? `；无适用政策 ${count(r.errors)} 笔` : ''}
          </div>
        </div>
      </div>

      {b ? (
        <div className="panel" data-testid="compare">
          <h2>两个方案并列</h2>
          <table className="data">
            <thead>
              <tr>
                <th>指标</th>
                <th className="num">现行</th>
                <th className="num">{s.name}</th>
                <th className="num">{b.saved.name}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td>统筹基金支付</td>
                <td className="num">{money(r.total.fund.before)}</td>
                <td className="num">
                  {money(r.total.fund.after)}（<Delta fen={delta(r.total.fund)} />）
                </td>
                <td className="num">
                  {money(b.result.total.fund.after)}（<Delta fen={b.result.total.fund.after - r.total.fund.before} />）
                </td>
              </tr>
              <tr>
                <td>个人负担</td>
                <td className="num">{money(r.total.self.before)}</td>
                <td className="num">{money(r.total.self.after)}</td>
                <td className="num">{money(b.result.total.self.after)}</td>
              </tr>
              <tr>
                <td>达到年度限额人数</td>
                <td className="num">{count(r.cappedPersons.before)}</td>
                <td className="num">{count(r.cappedPersons.after)}</td>
                <td className="num">{count(b.result.cappedPersons.after)}</td>
              </tr>
              {r.byPsnType.map((p) => (
                <tr key={p.psnType}>
                  <td>统筹支付 · {PSN[p.psnType]}</td>
                  <td className="num">{money(p.fund.before)}</td>
                  <td className="num">{money(p.fund.after)}</td>
                  <td className="num">{money(b?.result.byPsnType.find((x) => x.psnType === p.psnType)?.fund.after)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {b.saved.regionCode !== s.regionCode ? <p className="muted">注意：两个方案的地区不同，“现行”列为 {s.name} 所在地区。</p> : null}
        </div>
      ) : null}

      <div className="grid grid-2">
        <div className="panel">
          <h2>按月统筹支付</h2>
          <Chart
            label="按月统筹支付"
            spec={{
              kind: 'bar',
              unit: 'fen',
              x: months,
              series: [
                { name: '现行', data: r.byMonth.map((m) => m.fund.before) },
                { name: s.name, data: r.byMonth.map((m) => m.fund.after) },
                ...(b ? [{ name: b.saved.name, data: months.map((m) => bMonth.get(m) ?? 0) }] : []),
              ],
            }}
          />
        </div>
        <div className="panel">
          <h2>参保人年度统筹支付分布<span className="muted">（人数，期间内每人每年）</span></h2>
          <Chart
            label="参保人年度统筹支付分布"
            spec={{
              kind: 'bar',
              unit: 'count',
              x: r.distribution.map((d) => d.label),
              series: [
                { name: '现行', data: r.distribution.map((d) => d.before) },
                { name: s.name, data: r.distribution.map((d) => d.after) },
                ...(b ? [{ name: b.saved.name, data: b.result.distribution.map((d) => d.after) }] : []),
              ],
            }}
          />
        </div>
      </div>

      <div className="grid grid-2">
        <div className="panel">
          <h2>按月</h2>
          <table className="data" data-testid="by-month">
            <thead>{HEAD}</thead>
            <tbody>{pairRows(r.byMonth, (m) => m.month)}</tbody>
          </table>
        </div>
        <div className="panel">
          <h2>按机构等级</h2>
          <table className="data">
            <thead>{HEAD}</thead>
            <tbody>{pairRows(r.byLevel, (m) => LEVEL[m.level] ?? m.level)}</tbody>
          </table>
          <h2 style={{ marginTop: 12 }}>按人员类别</h2>
          <table className="data">
            <thead>{HEAD}</thead>
            <tbody>{pairRows(r.byPsnType, (m) => PSN[m.psnType] ?? m.psnType)}</tbody>
          </table>
        </div>
      </div>

      <div className="panel">
        <h2>变化最大的机构<span className="muted">（前 20）</span></h2>
        <table className="data">
          <thead>
            <tr>
              <th>机构</th>
              <th className="num">人次</th>
              <th className="num">统筹 现行</th>
              <th className="num">统筹 方案</th>
              <th className="num">变化</th>
              <th className="num">个人负担 现行</th>
              <th className="num">个人负担 方案</th>
            </tr>
          </thead>
          <tbody>
            {r.byInstitution.slice(0, 20).map((i) => (
              <tr key={i.code}>
                <td>
                  <Link href={`/institutions/${encodeURIComponent(i.code)}`}>{a.names.get(i.code) ?? i.code}</Link> <span className="muted">{i.code}</span>
                </td>
                <td className="num">{count(i.visits)}</td>
                <td className="num">{money(i.fund.before)}</td>
                <td className="num">{money(i.fund.after)}</td>
                <td className="num">
                  <Delta fen={delta(i.fund)} />
                </td>
                <td className="num">{money(i.self.before)}</td>
                <td className="num">{money(i.self.after)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="panel">
        <h2>结果变化最大的结算<span className="muted">（前 {r.changed.length}，点开看计算过程与依据）</span></h2>
        {r.changed.length === 0 ? (
          <p className="empty">没有结算的统筹支付发生变化</p>
        ) : (
          <table className="data" data-testid="changed-visits">
            <thead>
              <tr>
                <th>结算ID</th>
                <th>结算日期</th>
                <th>参保人</th>
                <th>机构</th>
                <th className="num">医疗费总额</th>
                <th className="num">统筹 现行</th>
                <th className="num">统筹 方案</th>
                <th className="num">变化</th>
                <th>计算过程</th>
              </tr>
            </thead>
            <tbody>
              {r.changed.map((v) => (
                <tr key={v.setlId}>
                  <td>{v.setlId}</td>
                  <td>{v.date}</td>
                  <td>
                    {maskId(v.psnNo)} <span className="muted">{v.retired ? '退休' : '在职'}</span>
                  </td>
                  <td>{a.names.get(v.fixmedinsCode) ?? v.fixmedinsCode}</td>
                  <td className="num">{yuan(v.medfeeSumamt)}</td>
                  <td className="num">{yuan(v.before.fundPay)}</td>
                  <td className="num">{yuan(v.after.fundPay)}</td>
                  <td className="num">
                    <Delta fen={v.after.fundPay - v.before.fundPay} />
                  </td>
                  <td style={{ whiteSpace: 'normal', minWidth: 120 }}>
                    <details>
                      <summary>展开</summary>
                      <Calc label="现行" s={v.before} />
                      <Calc label={`方案 ${s.body.id}`} s={v.after} />
                    </details>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </>
  );
}
