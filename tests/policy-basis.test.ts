/**
 * Issue 18 item 1: every amount a benefit policy computes is traceable to a clause of a document that
 * binds the policy's region (its own, its province's, national) — never another region's. Data-driven
 * over policies/*.json and policies/basis/catalogue.json: a new policy file or cite is checked too.
 */
import { describe, expect, it } from 'vitest';
import { adjudicateRecords, type VisitRecord } from '../lib/adjudication/records';
import { loadPolicies, policyFor, type Cite } from '../lib/policies';
import { findDocument, loadBasisCatalogue, scopeBinds, scopeBindsPrefix } from '../lib/policies/basis';

const set = loadPolicies();
const catalogue = loadBasisCatalogue();

/** Every cite in a policy with its JSON path; `reference` (参照) is collected apart. */
function cites(node: unknown, path: string, out: { cites: Array<[string, Cite]>; refs: Array<[string, Cite]> }, inRef = false) {
  if (Array.isArray(node)) node.forEach((x, i) => cites(x, `${path}[${i}]`, out, inRef));
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.doc === 'string' && typeof o.clause === 'string' && typeof o.text === 'string') (inRef ? out.refs : out.cites).push([path, o as unknown as Cite]);
    for (const [k, v] of Object.entries(o)) if (k !== 'doc') cites(v, `${path}.${k}`, out, inRef || k === 'reference');
  }
  return out;
}

/** Flags that make a visit excluded, one per exclusion the engine derives from the record itself. */
const EXCLUDED_VISITS: Array<[string, Partial<VisitRecord> & Record<string, unknown>]> = [
  ['non_designated', { designated: false }],
  ['no_card', { has_card: false }],
  ['pharmacy_no_rx', { fixmedins_type: 'pharmacy', med_type: '41', fee_class: undefined, hosp_lv: '11', rx_from_designated: false }],
  ['out_of_area_temporary', { out_of_area_temporary: true }],
  ['arrears', { in_arrears: true }],
  ['suspended', { suspended: true }],
  ['inpatient_overlap', { inpatient_overlap: true }],
  ['separate_benefit', { med_type: '14' }],
  ['out_of_catalogue', { inscp_scp_amt: '0', fulamt_ownpay_amt: '50.00' }],
];

describe('benefit policies cite only documents that bind their region (issue 18.1)', () => {
  it.each(set.policies.map((p) => [p.id, p] as const))('%s: every cite.doc binds each region prefix', (_id, p) => {
    const { cites: list, refs } = cites(p, p.id, { cites: [], refs: [] });
    expect(list.length).toBeGreaterThan(5);
    const wrong: string[] = [];
    for (const [path, c] of list) {
      const d = findDocument(c.doc, catalogue);
      if (!d) wrong.push(`${path}: 目录中没有 ${c.doc}`);
      else for (const prefix of p.region_prefixes) if (!scopeBindsPrefix(d.scope, prefix)) wrong.push(`${path}: ${c.doc} 不约束 ${prefix}`);
      // an analogy is written in `reference`, never inside the binding cite's words
      if (/参照此条|未列此情形/.test(c.text)) wrong.push(`${path}: 依据原文中夹带参照`);
    }
    // a 参照 names a document of the catalogue too (so the note can say whose it is)
    for (const [path, r] of refs) if (!findDocument(r.doc, catalogue)) wrong.push(`${path}: 目录中没有 ${r.doc}`);
    expect(wrong).toEqual([]);
  });

  it('a national cite quotes the regulation as the basis catalogue does (第十五条 as published)', () => {
    const quoted = catalogue.citations.filter((c) => c.doc === 'reg-735').map((c) => c.text);
    const art15 = '定点医药机构及其工作人员应当执行实名就医和购药管理规定，核验参保人员医疗保障凭证';
    let n = 0;
    for (const p of set.policies) {
      for (const [path, c] of cites(p, p.id, { cites: [], refs: [] }).cites) {
        if (findDocument(c.doc, catalogue)?.scope.level !== 'national') continue;
        n++;
        const fragments = c.text.split('……');
        if (c.clause === '第十五条') expect(c.text, path).toBe(art15);
        else for (const f of fragments) expect(quoted.some((q) => q.includes(f)), `${path}: ${f}`).toBe(true);
      }
    }
    expect(n).toBeGreaterThan(0);
  });

  it('scopeBindsPrefix: a city document does not bind its whole province, a province document binds its cities', () => {
    const jc = findDocument('晋市医保发〔2022〕22号 (seed 000)', catalogue);
    const sx = findDocument('晋医保发〔2024〕11号，运医保发〔2024〕16号、芮医保发（2024）8号转发 (seed 002)', catalogue);
    expect(jc?.scope.level).toBe('city');
    expect(sx?.scope.level).toBe('province');
    if (!jc || !sx) return;
    expect([scopeBindsPrefix(jc.scope, '1405'), scopeBindsPrefix(jc.scope, '14'), scopeBindsPrefix(jc.scope, '43')]).toEqual([true, false, false]);
    expect([scopeBindsPrefix(sx.scope, '14'), scopeBindsPrefix(sx.scope, '1405'), scopeBindsPrefix(sx.scope, '15')]).toEqual([true, true, false]);
  });

  // a med_type with its own rates (Hunan 门诊慢特病 二(二)) is paid, not excluded
  const paidSeparately = (p: (typeof set.policies)[number]) => p.separate_benefits.some((b) => b.med_type === '14' && b.rates_bp);
  const cases = set.policies.flatMap((p) =>
    p.region_prefixes.flatMap((prefix) =>
      EXCLUDED_VISITS.filter(([code]) => code !== 'separate_benefit' || !paidSeparately(p)).map(([code, over]) => [p.id, prefix.padEnd(6, '0'), code, over, p.effective_from] as const),
    ),
  );
  it.each(cases)('%s region %s: the clause of an excluded visit (%s) names only binding documents', (id, admdvs, code, over, from) => {
    expect(policyFor(set, admdvs, from).id).toBe(id);
    const [line] = adjudicateRecords(
      [
        {
          setl_id: 'X1',
          psn_no: 'P1',
          psn_type: '1101',
          admdvs,
          setl_time: `${from} 10:00:00`,
          fixmedins_code: 'H1',
          fixmedins_type: 'hospital',
          hosp_lv: '3',
          fee_class: '1',
          medfee_sumamt: '500.00',
          inscp_scp_amt: '400.00',
          ...over,
        },
      ],
      set,
    );
    expect(line).toMatchObject({ policy_id: id, excluded: code, fund_pay: '0.00' });
    const clause = (line && 'clause' in line ? line.clause : undefined) ?? '';
    expect(clause).not.toContain('参照');
    const parts = clause.split('；');
    expect(parts.length).toBeGreaterThan(0);
    const names = (d: (typeof catalogue.documents)[number]) => [d.name, d.title, ...(d.aliases ?? [])];
    parts.forEach((part, i) => {
      const doc = catalogue.documents.find((d) => names(d).some((n) => part.startsWith(`${n} `)));
      // a clause may itself hold '；' (第十一条；第十五条（六）): such a part continues the document before it
      if (!doc && i > 0 && !/^\S+〔\d{4}〕\d+号 |^《/.test(part)) return;
      expect(doc, `${part}: 不是目录中的文件`).toBeDefined();
      if (doc) expect(scopeBinds(doc.scope, admdvs), `${part} 不约束 ${admdvs}`).toBe(true);
    });
  });

  it('Hunan no_card: 依据 the national regulation 第十五条; Jincheng 四 情形9 only as a 参照 note, not in the clause', () => {
    const hunan = set.policies.find((p) => p.id === 'hunan-2023');
    const c = hunan?.exclusions.find((e) => e.code === 'no_card')?.cite;
    expect(c).toMatchObject({ doc: '《医疗保障基金使用监督管理条例》', clause: '第十五条', reference: { doc: '晋市医保发〔2022〕22号 (seed 000)', clause: '四 不予支付情形9' } });
    const [line] = adjudicateRecords(
      [{ setl_id: 'H1', psn_no: 'P1', psn_type: '1101', admdvs: '430100', setl_time: '2023-03-01 10:00:00', fixmedins_code: 'H1', fixmedins_type: 'hospital', hosp_lv: '1', medfee_sumamt: '100.00', inscp_scp_amt: '100.00', has_card: false }],
      set,
    );
    expect(line).toMatchObject({ policy_id: 'hunan-2023', excluded: 'no_card', fund_pay: '0.00', clause: '《医疗保障基金使用监督管理条例》 第十五条' });
  });
});
