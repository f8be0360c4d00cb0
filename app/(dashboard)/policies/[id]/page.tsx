import { notFound } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { rateText, yuan } from '@/lib/adjudication/records';
import { loadPolicies, type Cite } from '@/lib/policies';

export const dynamic = 'force-dynamic';

const KEY_LABEL: Record<string, string> = { '1': '一', '2': '二', '3': '三', pharmacy: '定点零售药店' };
const EXCLUSION_LABEL: Record<string, string> = {
  non_designated: '非定点机构（急诊抢救除外）',
  no_card: '未持医保凭证/社保卡',
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

function Quote({ c }: { c: Cite }) {
  return (
    <div className="muted" style={{ fontSize: 12, marginTop: 4 }}>
      {c.doc} · {c.clause}：“{c.text}”
    </div>
  );
}

export default async function PolicyPage({ params }: { params: Promise<{ id: string }> }) {
  await requireActor();
  const { id } = await params;
  const p = loadPolicies().policies.find((x) => x.id === id);
  if (!p) notFound();
  const keys = (['1', '2', '3', 'pharmacy'] as const).filter((k) => p.rates_bp.in_service[k] !== undefined);
  const unit = p.basis === 'fee_class' ? '类收费' : '级';
  return (
    <>
      <h1>{p.name}</h1>
      <div className="panel">
        <dl className="kv">
          <dt>文件</dt>
          <dd>
            {p.document.title}（{p.document.number}）{p.document.issued ? `，${p.document.issued}` : ''}
          </dd>
          <dt>适用地区</dt>
          <dd>
            {p.region_name}（区划前缀 {p.region_prefixes.join('、')}）
          </dd>
          <dt>生效期间</dt>
          <dd>
            {p.effective_from} 至 {p.effective_to ?? '未设止期'}
            <Quote c={p.effective_cite} />
          </dd>
        </dl>
      </div>
      <div className="panel">
        <h2>起付线、支付比例与年度限额</h2>
        <table className="data">
          <thead>
            <tr>
              <th>{p.basis === 'fee_class' ? '收费类别' : '医院等级'}</th>
              <th className="num">起付线（元）</th>
              <th className="num">在职比例</th>
              <th className="num">退休比例</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k}>
                <td>{k === 'pharmacy' ? KEY_LABEL[k] : `${KEY_LABEL[k]}${unit}`}</td>
                <td className="num">
                  {p.deductible.mode === 'annual' ? `年度 ${yuan(p.deductible.annual_fen)}` : `${yuan(p.deductible.amounts_fen[k] ?? 0)} / 次`}
                </td>
                <td className="num">{rateText(p.rates_bp.in_service[k] ?? 0)}</td>
                <td className="num">{rateText(p.rates_bp.retired[k] ?? 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <Quote c={p.deductible.cite} />
        {p.deductible.mode === 'per_visit' && p.deductible.annual_cap_fen !== null && p.deductible.cap_cite ? (
          <p>
            年度累计起付上限：{yuan(p.deductible.annual_cap_fen)} 元 <Quote c={p.deductible.cap_cite} />
          </p>
        ) : null}
        <p>
          年度最高支付限额：在职 {yuan(p.annual_cap_fen.in_service)} 元，退休 {yuan(p.annual_cap_fen.retired)} 元
          <Quote c={p.annual_cap_fen.cite} />
        </p>
        <p>
          乙类先行自付比例：{p.class_b_first_self_pay_bp.value === null ? '文件未规定' : rateText(p.class_b_first_self_pay_bp.value)}
          <Quote c={p.class_b_first_self_pay_bp.cite} />
        </p>
      </div>
      <div className="panel">
        <h2>不予支付情形</h2>
        <table className="data">
          <tbody>
            {p.exclusions.map((e) => (
              <tr key={e.code}>
                <td style={{ width: 220 }}>{EXCLUSION_LABEL[e.code] ?? e.code}</td>
                <td style={{ whiteSpace: 'normal' }}>
                  {e.cite.clause}：{e.cite.text}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="panel">
        <h2>处方天数</h2>
        普通疾病一般 ≤ {p.prescription_days.ordinary_general} 天、最长 {p.prescription_days.ordinary_max} 天；慢性病一般 ≤ {p.prescription_days.chronic_general} 天、最长{' '}
        {p.prescription_days.chronic_max} 天。
        <Quote c={p.prescription_days.cite} />
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
