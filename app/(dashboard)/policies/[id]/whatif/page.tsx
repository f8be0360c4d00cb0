import Link from 'next/link';
import { notFound } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { flashFrom } from '@/lib/dashboard/flash';
import { getDb } from '@/lib/db/client';
import { DEMO_REGIONS } from '@/lib/demo';
import { loadPolicies } from '@/lib/policies';
import { dateTime } from '@/lib/format';
import { DRAFT_KEYS, draftOf, FIELD_LABEL } from '@/lib/whatif/draft';
import { listScenarios } from '@/lib/whatif/store';
import { saveScenarioAction } from './actions';

export const dynamic = 'force-dynamic';

type Search = Record<string, string | string[] | undefined>;

/** 模拟调整: the saved scenarios of a policy version, a draft form starting from its numbers, and a comparison picker. */
export default async function WhatifDraftPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Search> }) {
  const actor = await requireActor();
  const { id } = await params;
  const sp = await searchParams;
  const base = loadPolicies().policies.find((x) => x.id === id);
  if (!base) notFound();
  const flash = flashFrom(sp);
  const db = await getDb();
  const saved = await listScenarios(db, actor, base.id);
  const d = draftOf(base);
  const regionOk = (code: string) => base.region_prefixes.some((p) => code.startsWith(p)) && (actor.regions.includes('*') || actor.regions.includes(code));
  const regions = DEMO_REGIONS.filter((r) => regionOk(r.code));
  for (const code of actor.regions) if (/^\d{6}$/.test(code) && regionOk(code) && !regions.some((r) => r.code === code)) regions.push({ code, name: code, provinceCode: code.slice(0, 2) });
  const unit = base.basis === 'fee_class' ? '类收费' : '级医疗机构';
  const keyName = (k: (typeof DRAFT_KEYS)[number]) => (k === 'pharmacy' ? FIELD_LABEL.pharmacy : `${{ '1': '一', '2': '二', '3': '三' }[k]}${unit}`);
  return (
    <>
      <p>
        <Link href={`/policies/${base.id}`}>← {base.name}</Link>
      </p>
      <div className="page-head">
        <h1>模拟调整</h1>
        <span className="sub">
          以现行政策 {base.id}（{base.effective_from} 至 {base.effective_to ?? '未设止期'}）为起点，调整后用本地区已导入的结算数据重算，与现行政策对比。方案只用于测算，不会生效。
        </span>
      </div>
      {flash.ok ? <p className="muted">{flash.ok}</p> : null}
      {flash.error ? (
        <p className="error-box" role="alert">
          {flash.error}
        </p>
      ) : null}

      <div className="panel">
        <h2>已保存的方案</h2>
        {saved.length === 0 ? (
          <p className="empty">尚无方案</p>
        ) : (
          <form method="get" action={`/policies/${base.id}/whatif/compare`}>
            <table className="data" data-testid="scenario-list">
              <thead>
                <tr>
                  <th>对比</th>
                  <th>方案</th>
                  <th>地区</th>
                  <th>拟定人</th>
                  <th>保存时间</th>
                </tr>
              </thead>
              <tbody>
                {saved.map((s) => (
                  <tr key={s.id}>
                    <td>
                      <input type="checkbox" name="s" value={s.id} aria-label={`对比 ${s.name}`} />
                    </td>
                    <td>
                      <Link href={`/policies/${base.id}/whatif/${s.id}`}>{s.name}</Link> <span className="muted">{s.body.id}</span>
                    </td>
                    <td>{DEMO_REGIONS.find((r) => r.code === s.regionCode)?.name ?? s.regionCode}</td>
                    <td>{s.authorName}</td>
                    <td>{dateTime(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="toolbar">
              <button type="submit" className="secondary">
                两个方案并列对比
              </button>
              <span className="muted">勾选两个同一地区的方案</span>
            </p>
          </form>
        )}
      </div>

      {can(actor, 'scenario.draft') ? (
        regions.length === 0 ? (
          <p className="muted">您的管辖地区不适用本政策。</p>
        ) : (
          <form className="panel" action={saveScenarioAction} data-testid="draft-form">
            <h2>拟定新方案</h2>
            <input type="hidden" name="basePolicyId" value={base.id} />
            <p className="toolbar">
              <label>
                方案名称 <input name="name" required minLength={2} maxLength={60} placeholder="如：药店比例提高到 80%" />
              </label>
              <label>
                地区{' '}
                <select name="region" defaultValue={regions[0]?.code}>
                  {regions.map((r) => (
                    <option key={r.code} value={r.code}>
                      {r.name}（{r.code}）
                    </option>
                  ))}
                </select>
              </label>
            </p>
            <table className="data">
              <thead>
                <tr>
                  <th>{base.basis === 'fee_class' ? '收费类别' : '医院等级'}</th>
                  <th className="num">起付线（元/次）</th>
                  <th className="num">在职支付比例（%）</th>
                  <th className="num">退休支付比例（%）</th>
                </tr>
              </thead>
              <tbody>
                {DRAFT_KEYS.map((k) => (
                  <tr key={k}>
                    <td>{keyName(k)}</td>
                    <td className="num">
                      {base.deductible.mode === 'per_visit' ? <input name={`deductible.${k}`} defaultValue={d.deductible[k]} inputMode="decimal" size={8} aria-label={`起付线 ${keyName(k)}`} /> : <span className="muted">年度累计起付</span>}
                    </td>
                    <td className="num">
                      <input name={`rateInService.${k}`} defaultValue={d.rateInService[k]} inputMode="decimal" size={6} aria-label={`在职支付比例 ${keyName(k)}`} />
                    </td>
                    <td className="num">
                      <input name={`rateRetired.${k}`} defaultValue={d.rateRetired[k]} inputMode="decimal" size={6} aria-label={`退休支付比例 ${keyName(k)}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="toolbar">
              {base.deductible.mode === 'annual' ? (
                <label>
                  年度起付线（元） <input name="deductibleAnnual" defaultValue={d.deductibleAnnual} inputMode="decimal" size={8} />
                </label>
              ) : (
                <label>
                  年度起付累计上限（元，空 = 不设） <input name="deductibleCap" defaultValue={d.deductibleCap} inputMode="decimal" size={8} />
                </label>
              )}
              <label>
                在职年度最高支付限额（元） <input name="capInService" defaultValue={d.capInService} inputMode="decimal" size={8} />
              </label>
              <label>
                退休年度最高支付限额（元） <input name="capRetired" defaultValue={d.capRetired} inputMode="decimal" size={8} />
              </label>
            </p>
            <p className="toolbar">
              <label>
                <input type="checkbox" name="pharmaciesCovered" defaultChecked={d.pharmaciesCovered} /> 定点零售药店纳入统筹
              </label>
              <label>
                <input type="checkbox" name="pharmacyCounts" defaultChecked={d.pharmacyCounts} /> 药店支付计入年度最高支付限额
              </label>
            </p>
            <p className="muted">方案按政策文件格式校验；起付线、限额以元计（最多两位小数），比例以 % 计。年度累计（起付、限额）自当年 1 月 1 日起按结算顺序计算。</p>
            <button type="submit">保存方案并测算</button>
          </form>
        )
      ) : (
        <p className="muted">复核/法制人员和管理员可拟定方案；您可以查看本地区已保存的方案及测算结果。</p>
      )}
    </>
  );
}
