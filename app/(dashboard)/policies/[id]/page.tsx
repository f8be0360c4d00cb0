import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { pct, yuan } from '@/lib/format';
import { loadPolicies, type Cite } from '@/lib/policies';
import { codeLabel } from '@/lib/dashboard/labels';

export const dynamic = 'force-dynamic';

const KEY_LABEL: Record<string, string> = { '1': '一', '2': '二', '3': '三', pharmacy: '定点零售药店' };
const EXCLUSION_LABEL: Record<string, string> = {
  non_designated: '非定点机构（急诊抢救除外）',
  no_card: '未持医保电子凭证/社保卡',
  pharmacy_no_rx: '药店购药无定点医疗机构处方',
  out_of_area_temporary: '临时外出异地就医',
  arrears: '欠费或待遇等待期',
  suspended: '待遇暂停期间',
  inpatient_overlap: '住院期间',
  separate_benefit: '另有待遇（门诊慢特病等）',
  below_deductible: '起付标准以下',
  above_cap: '最高支付限额以上',
  out_of_catalogue: '三个目录外（全自费）',
};

const bp = (v: number | undefined | null) => (v === undefined || v === null ? '—' : pct(v / 10000));
/** "晋市医保发〔2022〕22号 (seed 000)" → document and seed shown apart */
const docOf = (c: Pick<Cite, 'doc'>) => c.doc.replace(/\s*\(seed \d+\)\s*$/, '');
const seedOf = (c: Pick<Cite, 'doc'>) => /\(seed (\d+)\)/.exec(c.doc)?.[1];

/** Another region's clause read by analogy: a 参照 note, never 依据. */
function RefNote({ c }: { c: Cite }) {
  const r = c.reference;
  if (!r) return null;
  return (
    <div className="muted" style={{ fontSize: 12 }}>
      参照（他地区文件，不作依据）：{docOf(r)} {r.clause}
      {seedOf(r) ? `（原文 seeds/${seedOf(r)}）` : ''}：“{r.text}”
    </div>
  );
}

/** The binding clause as 依据, with any 参照 note under it. */
function Quote({ c }: { c: Cite }) {
  return (
    <div className="muted" style={{ fontSize: 12, marginTop: 4, whiteSpace: 'normal' }}>
      依据：{docOf(c)} {c.clause}
      {seedOf(c) ? `（原文 seeds/${seedOf(c)}）` : ''}：“{c.text}”
      <RefNote c={c} />
    </div>
  );
}

/** One benefit policy version: every parameter with the clause it comes from, quoted. */
export default async function PolicyPage({ params }: { params: Promise<{ id: string }> }) {
  await requireActor();
  const { id } = await params;
  const p = loadPolicies().policies.find((x) => x.id === id);
  if (!p) notFound();
  const keys = (['1', '2', '3', 'pharmacy'] as const).filter((k) => p.rates_bp.in_service[k] !== undefined);
  const unit = p.basis === 'fee_class' ? '类收费' : '级医疗机构';
  const d = p.deductible;
  return (
    <>
      <p>
        <Link href="/policies">← 政策</Link>
      </p>
      <div className="page-head">
        <h1>{p.name}</h1>
        <Link className="button secondary" href={`/policies/${p.id}/whatif`} data-testid="whatif-link">
          模拟调整
        </Link>
      </div>
      <div className="panel">
        <dl className="kv">
          <dt>政策版本</dt>
          <dd>{p.id}</dd>
          <dt>文件</dt>
          <dd>
            {p.document.title}（{p.document.number}）{p.document.issued ? `，${p.document.issued} 印发` : ''}
            <span className="muted"> 原文 seeds/{p.document.seed}</span>
          </dd>
          <dt>适用地区</dt>
          <dd>
            {p.region_name}（医保区划前缀 {p.region_prefixes.join('、')}，最长前缀优先）
          </dd>
          <dt>生效期间</dt>
          <dd>
            {p.effective_from} 至 {p.effective_to ?? '未设止期'}（含首尾两日）
            <Quote c={p.effective_cite} />
          </dd>
        </dl>
      </div>
      <div className="panel">
        <h2>起付线与支付比例</h2>
        <table className="data">
          <thead>
            <tr>
              <th>{p.basis === 'fee_class' ? '收费类别' : '医院等级'}</th>
              <th className="num">起付线</th>
              <th className="num">在职支付比例</th>
              <th className="num">退休支付比例</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <td>{k === 'pharmacy' ? KEY_LABEL[k] : `${KEY_LABEL[k]}${unit}`}</td>
                <td className="num">{d.mode === 'annual' ? `年度累计 ${yuan(d.annual_fen)}` : `${yuan(d.amounts_fen[k] ?? 0)} / 次`}</td>
                <td className="num">{bp(p.rates_bp.in_service[k])}</td>
                <td className="num">{bp(p.rates_bp.retired[k])}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Quote c={d.cite} />
        {p.rates_bp.cite.text !== d.cite.text ? <Quote c={p.rates_bp.cite} /> : null}
        {d.mode === 'per_visit' && d.annual_cap_fen !== null && d.cap_cite ? (
          <p>
            年度起付累计上限：{yuan(d.annual_cap_fen)}（达到后本年度不再收起付线）
            <Quote c={d.cap_cite} />
          </p>
        ) : null}
      </div>
      <div className="panel">
        <h2>年度最高支付限额与乙类先行自付</h2>
        <table className="data">
          <tbody>
            <tr>
              <td>年度最高支付限额</td>
              <td className="num">
                在职 {yuan(p.annual_cap_fen.in_service)}，退休 {yuan(p.annual_cap_fen.retired)}
              </td>
            </tr>
            <tr>
              <td>乙类先行自付比例</td>
              <td className="num">{p.class_b_first_self_pay_bp.value === null ? '文件未规定（按结算记录的先行自付金额）' : bp(p.class_b_first_self_pay_bp.value)}</td>
            </tr>
          </tbody>
        </table>
        <Quote c={p.annual_cap_fen.cite} />
        <Quote c={p.class_b_first_self_pay_bp.cite} />
      </div>
      {p.separate_benefits.length ? (
        <div className="panel">
          <h2>另行保障的待遇</h2>
          <table className="data">
            <thead>
              <tr>
                <th>医疗类别</th>
                <th>待遇</th>
                <th>重算方式</th>
                <th>依据</th>
              </tr>
            </thead>
            <tbody>
              {p.separate_benefits.map((b) => (
                <tr key={b.med_type}>
                  <td>{codeLabel('medType', b.med_type)}</td>
                  <td>{b.name}</td>
                  <td>{b.rates_bp ? `另行计算：在职 ${bp(b.rates_bp.in_service)}、退休 ${bp(b.rates_bp.retired)}，不占普通门诊统筹限额` : '普通门诊统筹不予支付'}</td>
                  <td style={{ whiteSpace: 'normal' }}>
                    {docOf(b.cite)} {b.cite.clause}：“{b.cite.text}”
                    <RefNote c={b.cite} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <div className="panel">
        <h2>不予支付情形（结算数据可识别的）</h2>
        <table className="data">
          <thead>
            <tr>
              <th>情形</th>
              <th>代码</th>
              <th>依据条款原文</th>
            </tr>
          </thead>
          <tbody>
            {p.exclusions.map((e) => (
              <tr key={e.code}>
                <td style={{ width: 220 }}>{EXCLUSION_LABEL[e.code] ?? e.code}</td>
                <td className="muted">{e.code}</td>
                <td style={{ whiteSpace: 'normal' }}>
                  {docOf(e.cite)} {e.cite.clause}：“{e.cite.text}”
                  <RefNote c={e.cite} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="panel">
        <h2>处方用量</h2>
        <p>
          普通疾病一般 ≤ {p.prescription_days.ordinary_general} 天、最长 {p.prescription_days.ordinary_max} 天；慢性病一般 ≤ {p.prescription_days.chronic_general} 天、最长{' '}
          {p.prescription_days.chronic_max} 天（超过一般天数为提醒，超过最长天数为违规）。
        </p>
        <Quote c={p.prescription_days.cite} />
      </div>
      <div className="panel">
        <h2>违规处理幅度</h2>
        {p.penalties ? (
          <>
            <p>
              定点医药机构：全额追回违规本金{p.penalties.institution.recover_principal_including_own_pay ? '（含统筹支付与个人自付）' : ''}，视情节加收违规金额{' '}
              {p.penalties.institution.damages_multiple.min}–{p.penalties.institution.damages_multiple.max} 倍违约金。
            </p>
            <Quote c={p.penalties.institution.cite} />
            <p>
              参保人员：退还违规待遇，暂停联网结算 {p.penalties.insured.suspension_months.min}–{p.penalties.insured.suspension_months.max} 个月；骗取的另处{' '}
              {p.penalties.insured.fraud_fine_multiple.min}–{p.penalties.insured.fraud_fine_multiple.max} 倍罚款。
            </p>
            <Quote c={p.penalties.insured.cite} />
          </>
        ) : (
          <p className="muted">本文件未规定幅度，按《医疗保障基金使用监督管理条例》及裁量基准（policies/penalties/）处理。</p>
        )}
      </div>
      {p.assumptions.length ? (
        <div className="panel">
          <h2>文件未明确之处的取舍</h2>
          <ul>
            {p.assumptions.map((a) => (
              <li key={a.topic}>
                <b>{a.topic}</b>：{a.reading}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}
