import Link from 'next/link';
import { requireActor } from '@/lib/auth/current';
import { pct, yuan } from '@/lib/format';
import { loadPolicies, type Policy } from '@/lib/policies';

export const dynamic = 'force-dynamic';

const bp = (v: number | undefined) => (v === undefined ? '—' : pct(v / 10000));

function deductibleText(p: Policy): string {
  const d = p.deductible;
  if (d.mode === 'annual') return `年度累计起付 ${yuan(d.annual_fen)}`;
  const by = p.basis === 'fee_class' ? '按收费类别' : '按医院等级';
  const amounts = (['1', '2', '3'] as const).map((k) => yuan(d.amounts_fen[k] ?? 0)).join(' / ');
  return `按次（${by}）${amounts}${d.annual_cap_fen !== null ? `；年度累计达 ${yuan(d.annual_cap_fen)} 后不再起付` : ''}`;
}

/** 政策: each region's benefit policy versions (policies/*.json), newest first, with key parameters. */
export default async function PoliciesPage() {
  await requireActor();
  const { policies } = loadPolicies();
  const regions = new Map<string, Policy[]>();
  for (const p of policies) regions.set(p.region_name, [...(regions.get(p.region_name) ?? []), p]);
  const sorted = [...regions.entries()].sort((a, b) => (a[1][0]?.region_prefixes[0] ?? '').localeCompare(b[1][0]?.region_prefixes[0] ?? ''));
  return (
    <>
      <h1>政策</h1>
      <p className="muted">
        普通门诊统筹待遇政策（每个地区每个版本一份 policies/*.json，每个数字注明文件与条款）。重算规则：可报销金额 = 符合政策范围金额 − 乙类先行自付；统筹支付 =（可报销金额 − 起付线）× 支付比例，四舍五入到分（仅一次），再受年度限额剩余额约束；年度累计按参保人、自然年度计算，年内政策变更时延续。
      </p>
      {sorted.map(([region, versions]) => (
        <div className="panel" key={region}>
          <h2>{region}</h2>
          <table className="data">
            <thead>
              <tr>
                <th>版本</th>
                <th>区划</th>
                <th>生效期间</th>
                <th>起付线</th>
                <th className="num">比例 在职（一/二/三）</th>
                <th className="num">比例 退休（一/二/三）</th>
                <th className="num">年度限额 在职 / 退休</th>
                <th>文件</th>
              </tr>
            </thead>
            <tbody>
              {[...versions]
                .sort((a, b) => b.effective_from.localeCompare(a.effective_from))
                .map((p) => (
                  <tr key={p.id}>
                    <td>
                      <Link href={`/policies/${p.id}`}>{p.id}</Link>
                    </td>
                    <td>{p.region_prefixes.join('、')}</td>
                    <td>
                      {p.effective_from} 至 {p.effective_to ?? '未设止期'}
                    </td>
                    <td style={{ whiteSpace: 'normal' }}>{deductibleText(p)}</td>
                    <td className="num">{(['1', '2', '3'] as const).map((k) => bp(p.rates_bp.in_service[k])).join(' / ')}</td>
                    <td className="num">{(['1', '2', '3'] as const).map((k) => bp(p.rates_bp.retired[k])).join(' / ')}</td>
                    <td className="num">
                      {yuan(p.annual_cap_fen.in_service)} / {yuan(p.annual_cap_fen.retired)}
                    </td>
                    <td className="muted">{p.document.number}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      ))}
    </>
  );
}
