import Link from 'next/link';
import { requireActor } from '@/lib/auth/current';
import { loadPolicies } from '@/lib/policies';
import { rateText, yuan } from '@/lib/adjudication/records';

export const dynamic = 'force-dynamic';

/** 政策: every regional version in force or past, with its key parameters. */
export default async function PoliciesPage() {
  await requireActor();
  const { policies } = loadPolicies();
  const sorted = [...policies].sort((a, b) => a.region_prefixes[0]?.localeCompare(b.region_prefixes[0] ?? '') || a.effective_from.localeCompare(b.effective_from));
  return (
    <>
      <h1>政策</h1>
      <div className="panel">
        <table className="data">
          <thead>
            <tr>
              <th>政策</th>
              <th>地区</th>
              <th>生效</th>
              <th>起付方式</th>
              <th className="num">年度限额 在职/退休（元）</th>
              <th>文件</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link href={`/policies/${p.id}`}>{p.name}</Link>
                </td>
                <td>
                  {p.region_name} <span className="muted">{p.region_prefixes.join(', ')}</span>
                </td>
                <td>
                  {p.effective_from} 至 {p.effective_to ?? '—'}
                </td>
                <td>
                  {p.deductible.mode === 'annual'
                    ? `年度起付 ${yuan(p.deductible.annual_fen)} 元`
                    : `按次（${p.basis === 'fee_class' ? '收费类别' : '医院等级'}）${p.deductible.annual_cap_fen !== null ? `，年累计至 ${yuan(p.deductible.annual_cap_fen)} 元` : ''}`}
                </td>
                <td className="num">
                  {yuan(p.annual_cap_fen.in_service)} / {yuan(p.annual_cap_fen.retired)}
                </td>
                <td className="muted">{p.document.number}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted">支付比例示例：{sorted.map((p) => `${p.region_name} ${rateText(p.rates_bp.in_service['1'] ?? 0)}`).join('；')}</p>
    </>
  );
}
