/**
 * policies/*.json: each version loads, every number cites its seed and clause, the quoted text is in
 * the seed, resolution by region prefix and date, and a malformed file names the file and field.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPolicies, policyFor, PolicyNotFound, type Cite, type Policy } from '../lib/policies';
import { findDocument } from '../lib/policies/basis';

const set = loadPolicies();
const seeds = path.resolve('policies', 'seeds');
const byId = (id: string) => set.policies.find((p) => p.id === id) as Policy;

/** Every citation in a policy (the loader has validated the shape). */
function cites(p: Policy): Cite[] {
  const out: Cite[] = [p.effective_cite, p.deductible.cite, p.rates_bp.cite, p.annual_cap_fen.cite, p.class_b_first_self_pay_bp.cite, p.prescription_days.cite];
  if (p.deductible.mode === 'per_visit' && p.deductible.cap_cite) out.push(p.deductible.cap_cite);
  for (const e of p.exclusions) out.push(e.cite);
  for (const b of p.separate_benefits) out.push(b.cite);
  if (p.penalties) out.push(p.penalties.institution.cite, p.penalties.insured.cite);
  return out;
}

describe('policy files', () => {
  it('loads the five versions of POLICY_DIGEST.md, only from the top level (not penalties/ or monitoring/)', () => {
    expect(set.policies.map((p) => p.id).sort()).toEqual(['erenhot-2022', 'hunan-2023', 'nanchang-2023', 'shanxi-2024', 'shanxi-jincheng-2023']);
  });

  it.each([
    // id, prefix, from, to, deductible, rates in-service/retired by key 1..3, caps
    ['shanxi-jincheng-2023', ['1405'], '2023-01-01', '2024-06-30', { mode: 'per_visit', amounts_fen: { '1': 8000, '2': 5000, '3': 3000 }, annual_cap_fen: null }, [5000, 5500, 6000], [5500, 6000, 6500], [180000, 200000]],
    ['shanxi-2024', ['14'], '2024-07-01', '2029-06-30', { mode: 'per_visit', amounts_fen: { '1': 8000, '2': 5000, '3': 3000, pharmacy: 3000 }, annual_cap_fen: 30000 }, [5500, 6000, 6500], [6000, 6500, 7000], [250000, 300000]],
    ['hunan-2023', ['43'], '2023-01-01', null, { mode: 'per_visit', amounts_fen: { '1': 0, '2': 20000, '3': 30000 }, annual_cap_fen: 30000 }, [7000, 6000, 6000], [7000, 6000, 6000], [150000, 200000]],
    ['nanchang-2023', ['3601'], '2023-01-01', null, { mode: 'annual', annual_fen: 60000 }, [6000, 5500, 5000], [6500, 6000, 5500], [180000, 200000]],
    ['erenhot-2022', ['152501'], '2022-10-01', null, { mode: 'annual', annual_fen: 100000 }, [7000, 7000, 6000], [7500, 7500, 6500], [400000, 500000]],
  ] as const)('%s encodes the digest’s numbers', (id, prefixes, from, to, deductible, inService, retired, caps) => {
    const p = byId(id);
    expect(p.region_prefixes).toEqual(prefixes);
    expect([p.effective_from, p.effective_to]).toEqual([from, to]);
    expect(p.deductible).toMatchObject(deductible);
    expect(['1', '2', '3'].map((k) => p.rates_bp.in_service[k as '1'])).toEqual(inService);
    expect(['1', '2', '3'].map((k) => p.rates_bp.retired[k as '1'])).toEqual(retired);
    expect([p.annual_cap_fen.in_service, p.annual_cap_fen.retired]).toEqual(caps);
    expect(p.prescription_days).toMatchObject({ ordinary_general: 7, ordinary_max: 14, chronic_general: 30, chronic_max: 90 });
  });

  it('乙类 first self-pay 5 % in Shanxi 2024; penalty ranges where seed 000 七.3 gives them', () => {
    expect(byId('shanxi-2024').class_b_first_self_pay_bp.value).toBe(500);
    expect(byId('shanxi-jincheng-2023').penalties).toMatchObject({
      institution: { recover_principal_including_own_pay: true, damages_multiple: { min: 2, max: 5 } },
      insured: { suspension_months: { min: 3, max: 12 }, fraud_fine_multiple: { min: 2, max: 5 } },
    });
    expect(byId('nanchang-2023').penalties).toBeNull();
  });

  it('every citation names a seed file (or a national regulation of the basis catalogue) and a clause, and its document exists in seeds/', () => {
    for (const p of set.policies) {
      expect(fs.existsSync(path.join(seeds, p.document.seed)), p.document.seed).toBe(true);
      for (const c of cites(p)) {
        if (findDocument(c.doc)?.scope.level === 'national') expect(c.doc, `${p.id}: ${c.clause}`).toBe('《医疗保障基金使用监督管理条例》');
        else expect(c.doc, `${p.id}: ${c.clause}`).toMatch(/\(seed 00[0-4]\)$/);
        expect(c.clause.length, `${p.id}: ${c.doc}`).toBeGreaterThan(0);
        expect(c.clause, `${p.id}: ${c.text}`).not.toBe('—');
      }
    }
  });

  it('the quoted numbers are in the seed documents', () => {
    const text = (n: string) => fs.readFileSync(path.join(seeds, fs.readdirSync(seeds).find((f) => f.startsWith(n)) ?? ''), 'utf8');
    expect(text('000')).toMatch(/一类收费\s+在 职\s+80\s+50%\s+1800/);
    expect(text('002')).toContain('年度起付累计达到 300 元');
    expect(text('002')).toContain('乙类药品先行自付比例统一调整为 5%');
    expect(text('001')).toContain('起付标准金额累计不超过300元');
    expect(text('001')).toContain('退休人员慢特病政策范围内门诊医疗费用按85%比例支付');
    expect(text('003')).toContain('普通门诊统筹的起付线为600元');
    expect(text('003')).toContain('门诊诊察费不计入门诊统筹支付限额');
    expect(text('004')).toContain('年度累计起付线为1000元');
  });

  it('every exclusion code a claim can show is listed by every policy', () => {
    const codes = ['non_designated', 'no_card', 'pharmacy_no_rx', 'out_of_area_temporary', 'arrears', 'suspended', 'inpatient_overlap', 'below_deductible', 'above_cap', 'out_of_catalogue'];
    for (const p of set.policies) expect(p.exclusions.map((e) => e.code), p.id).toEqual(expect.arrayContaining(codes));
  });

  it('ambiguous or silent points carry an assumption (rounding, 门诊慢特病, Erenhot start, 南昌 诊察费)', () => {
    for (const p of set.policies) expect(p.assumptions.map((a) => a.topic), p.id).toEqual(expect.arrayContaining(['rounding', '门诊慢特病 med_type 14']));
    expect(byId('erenhot-2022').assumptions.map((a) => a.topic)).toContain('生效日期（假定）');
    expect(byId('nanchang-2023').assumptions.map((a) => a.topic)).toContain('门诊诊察费不计入限额（第十三条）');
  });
});

describe('policyFor (longest prefix; from and to inclusive)', () => {
  it.each([
    ['140500', '2023-01-01', 'shanxi-jincheng-2023'],
    ['140525', '2024-06-30', 'shanxi-jincheng-2023'],
    ['140500', '2024-07-01', 'shanxi-2024'],
    ['140800', '2029-06-30', 'shanxi-2024'],
    ['430100', '2023-01-01', 'hunan-2023'],
    ['360100', '2030-01-01', 'nanchang-2023'],
    ['152501', '2022-10-01', 'erenhot-2022'],
  ])('%s on %s → %s', (admdvs, date, id) => expect(policyFor(set, admdvs, date).id).toBe(id));

  it.each([
    ['140500', '2022-12-31'],
    ['140800', '2024-06-30'],
    ['140500', '2029-07-01'],
    ['152502', '2023-01-01'],
    ['360200', '2023-01-01'],
    ['110000', '2024-01-01'],
  ])('%s on %s → PolicyNotFound, never a default', (admdvs, date) => {
    expect(() => policyFor(set, admdvs, date)).toThrow(PolicyNotFound);
  });
});

describe('loadPolicies errors', () => {
  const good = JSON.parse(fs.readFileSync('policies/hunan-2023.json', 'utf8')) as Record<string, unknown>;
  function dirWith(files: Record<string, unknown>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pol-'));
    for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
    fs.mkdirSync(path.join(dir, 'penalties'));
    fs.writeFileSync(path.join(dir, 'penalties', 'default.json'), '{"not": "a benefit policy"}');
    return dir;
  }
  const whereOf = (dir: string) => {
    try {
      loadPolicies(dir);
    } catch (e) {
      return { message: (e as Error).message, where: (e as { where?: unknown }).where };
    }
    return null;
  };

  it('reads only top-level files (sub-folders belong to penalties and monitoring)', () => {
    expect(loadPolicies(dirWith({ 'hunan-2023.json': good })).policies.map((p) => p.id)).toEqual(['hunan-2023']);
  });

  it.each([
    ['a negative cap', { annual_cap_fen: { in_service: -1, retired: 1, cite: { doc: 'x (seed 001)', clause: 'y', text: 'zz' } } }, 'annual_cap_fen.in_service'],
    ['a rate above 100 %', { rates_bp: { ...(good.rates_bp as object), retired: { '1': 12000, '2': 6000, '3': 6000, pharmacy: 7000 } } }, 'rates_bp.retired.1'],
    ['a missing level', { rates_bp: { ...(good.rates_bp as object), in_service: { '1': 7000, '2': 6000, pharmacy: 7000 } } }, 'rates_bp.in_service.3'],
    ['a number without citation', { annual_cap_fen: { in_service: 150000, retired: 200000 } }, 'annual_cap_fen.cite'],
    ['an unknown key (typo)', { annual_cap: 1 }, ''],
    ['a bad date', { effective_from: '2023-02-30' }, 'effective_from'],
  ])('%s → error naming the file and %s', (_n, patch, field) => {
    const r = whereOf(dirWith({ 'broken.json': { ...good, ...patch } }));
    expect(r?.message).toMatch(/invalid policy field/);
    expect(r?.where).toMatchObject({ file: 'broken.json', field });
  });

  it('invalid JSON names the file', () => {
    expect(whereOf(dirWith({ 'bad.json': '{ "id": ' }))?.where).toMatchObject({ file: 'bad.json' });
  });

  it('two versions of one region overlapping in time are rejected', () => {
    const r = whereOf(dirWith({ 'a.json': good, 'b.json': { ...good, id: 'hunan-2024', effective_from: '2024-01-01' } }));
    expect(r?.message).toMatch(/overlapping/);
  });
});

describe('policy data files (thresholds, sanctions, basis) share one reader', () => {
  it('names the file and the field of a broken file, in Chinese', async () => {
    const { parseJsonFile } = await import('../lib/policies/json-file');
    const { penaltyPolicySchema } = await import('../lib/policies/penalties');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ofm-policy-file-'));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{ not json');
    expect(() => parseJsonFile(bad, penaltyPolicySchema, '处罚裁量文件')).toThrow(/^无法读取处罚裁量文件 bad\.json: /);
    const good = JSON.parse(fs.readFileSync(path.resolve('policies/penalties/default.json'), 'utf8')) as { institution: { multiple: { min: unknown } } };
    good.institution.multiple.min = 'two';
    fs.writeFileSync(bad, JSON.stringify(good));
    try {
      parseJsonFile(bad, penaltyPolicySchema, '处罚裁量文件');
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toMatch(/^处罚裁量文件 bad\.json 字段 institution\.multiple\.min 无效: /);
      expect((e as { where?: { field?: string } }).where?.field).toBe('institution.multiple.min');
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
