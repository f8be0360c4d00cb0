/**
 * An alert cites only documents that bind its region (national, its province's, its own city's or county's):
 * the catalogue resolved for every rule and region, quotations checked against the seed texts, stored alerts on
 * real Postgres for 晋城 140500 and 南昌 360100 (also a stale stored basis rewritten by `recompute`), and the case
 * PDF's 处理依据.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { refreshStoredBasis } from '../lib/alerts/basis-refresh';
import { peerPanel } from '../lib/alerts/explain';
import { getAlert } from '../lib/alerts/queries';
import { createCase } from '../lib/cases/create';
import type { Db } from '../lib/db/client';
import { scoped, SYSTEM } from '../lib/db/scoped';
import { exportCaseFile } from '../lib/export/case-file';
import { refreshIndicators } from '../lib/indicators/refresh';
import { inTransaction } from '../lib/indicators/sql';
import { loadBasisCatalogue, resolveBasis, scopeBinds } from '../lib/policies/basis';
import { loadPenaltyPolicy } from '../lib/policies/penalties';
import { rules as allRules, ruleById } from '../lib/rules/index';
import { runRules } from '../lib/rules/run';
import { makeActors } from './cases-fixture';
import { runCli, testDatabase } from './db';
import { background, insertVisits, type Visit } from './rules-fixture';

/** One region under each of the five policies (Shanxi 2024 binds all of Shanxi: 运城 140800 stands for it). */
const REGIONS = ['140500', '140800', '360100', '430100', '152501'];

/** Documents of other regions, by the words their names start with, that a region must never cite. */
const FOREIGN: Record<string, RegExp> = {
  '140500': /南昌|湘政办发|二连浩特|运医保/,
  '140800': /南昌|湘政办发|二连浩特|晋市医保/,
  '360100': /晋市|晋医保|湘政办发|二连浩特|运医保/,
  '430100': /晋市|晋医保|南昌|二连浩特|运医保/,
  '152501': /晋市|晋医保|南昌|湘政办发|运医保/,
};

const catalogue = loadBasisCatalogue();
const seeds = path.resolve('policies', 'seeds');
/** Compare quotations without whitespace and punctuation (the seeds mix half- and full-width marks). */
const bare = (t: string) => t.replace(/[\s\p{P}\p{S}]/gu, '');

describe('basis catalogue', () => {
  it('every rule has clauses in the catalogue, and nothing in the catalogue names a rule that does not exist', () => {
    for (const r of allRules) expect(catalogue.rules[r.id], r.id).toBeDefined();
    for (const id of Object.keys(catalogue.rules)) expect(ruleById(id), id).toBeDefined();
  });

  it.each(REGIONS)('for %s every rule cites something, and only documents whose scope binds the region', (region) => {
    for (const r of allRules) {
      const { basis, references } = resolveBasis(r.id, region);
      expect(basis.length, `${r.id} @ ${region}`).toBeGreaterThan(0);
      for (const b of basis) {
        expect(scopeBinds(b.scope, region), `${r.id} @ ${region}: ${b.doc}`).toBe(true);
        expect(b.scope.level === 'national' || b.scope.code.startsWith(region.slice(0, 2)), `${r.id} @ ${region}: ${b.doc}`).toBe(true);
        expect(`${b.doc}${b.clause}${b.text}`, `${r.id} @ ${region}`).not.toMatch(FOREIGN[region] ?? /$^/);
      }
      // 参照 is only ever another region's clause
      for (const x of references) expect(scopeBinds(x.scope, region), `${r.id} @ ${region}: ${x.doc}`).toBe(false);
    }
  });

  it('where the region is silent the national regulation is cited alone, the other region shown as 参照', () => {
    const jc = resolveBasis('EXCL-SUSPENDED', '140500');
    expect(jc.basis.map((b) => `${b.doc}${b.clause}`)).toEqual(['《医疗保障基金使用监督管理条例》第三十八条']);
    expect(jc.references.map((b) => `${b.doc}${b.clause}`)).toEqual(['南昌市门诊共济实施细则（征求意见稿）第十五条（三）']);
    expect(resolveBasis('EXCL-SUSPENDED', '360100').basis.map((b) => b.clause)).toEqual(['第十五条（三）', '第三十八条']);
    expect(resolveBasis('BUDGET', '140500').basis.map((b) => b.doc)).toEqual(['晋市医保发〔2022〕22号', '晋医保发〔2024〕11号']);
    expect(resolveBasis('BUDGET', '430100').basis.map((b) => `${b.doc}${b.clause}`)).toEqual(['湘政办发〔2022〕12号二（七）']);
    expect(resolveBasis('RX-DAYS-ORD', '152501').references.map((b) => b.doc)).toEqual(['晋市医保发〔2022〕22号']);
  });

  it('every regional clause is quoted from its seed document, and the national ones as the sanction policy quotes them', () => {
    const penaltySources = loadPenaltyPolicy().sources;
    for (const c of catalogue.citations) {
      const d = catalogue.documents.find((x) => x.id === c.doc);
      const parts = c.text.split('……').map(bare).filter(Boolean);
      if (d?.seed) {
        const seed = bare(fs.readFileSync(path.join(seeds, d.seed), 'utf8'));
        for (const p of parts) expect(seed.includes(p), `${c.id}: ${p}`).toBe(true);
      } else {
        const src = penaltySources.find((s) => s.doc === d?.name && s.clause === c.clause);
        expect(src, c.id).toBeDefined();
        for (const p of parts) expect(bare(src?.text ?? '').includes(p), `${c.id}: ${p}`).toBe(true);
      }
    }
  });

  it("every threshold's cites are clauses of the catalogue", async () => {
    const { loadMonitoring } = await import('../lib/policies/monitoring');
    const ids = new Set(catalogue.citations.map((c) => c.id));
    for (const [k, t] of Object.entries(loadMonitoring().base.thresholds)) for (const c of t.cites ?? []) expect(ids.has(c), `${k}: ${c}`).toBe(true);
  });

  it('every document the sanction policy cites is in the catalogue with its scope', () => {
    for (const s of loadPenaltyPolicy().sources) expect(catalogue.documents.map((d) => d.name), s.doc).toContain(s.doc);
  });
});

interface StoredAlert { id: number; region_code: string; rule_id: string; subject_id: string; period_key: string; clause: string; explanation: string; evidence: unknown; status: string }

describe('stored alerts, recompute and the case file of 晋城 and 南昌', () => {
  let db: Db;
  let url: string;
  let stored: StoredAlert[] = [];
  const text = (a: StoredAlert) => `${a.clause}\n${a.explanation}\n${JSON.stringify(a.evidence)}`;

  beforeAll(async () => {
    ({ db, url } = await testDatabase());
    const visits: Visit[] = [];
    for (const region of ['140500', '360100']) {
      const p = region === '140500' ? 'J' : 'N';
      // six level-2 hospitals, H1 with a 60 % exam share: IND-EXAM
      for (const v of background('2024-03', 6, 40, { prefix: `${p}B` })) {
        const m = v.medfee ?? 0;
        visits.push({
          ...v,
          id: `${p}${v.id}`,
          psn: `${p}${v.psn}`,
          inst: `${p}${v.inst}`,
          region,
          lines: v.inst === 'H1' ? [{ type: '03', amt: Math.round(m * 0.6) }, { type: '09', amt: m - Math.round(m * 0.6), days: 5, drug: 'X1', dr: `D-${p}H1` }] : v.lines,
        });
      }
      const at = (id: string, more: Partial<Visit>): Visit => ({ id: `${p}${id}`, psn: `${p}P${id}`, inst: `${p}X${id}`, time: '2024-03-13 09:00:00+08', lv: 1, region, lines: [{ type: '09', amt: 5000, days: 3, drug: 'Z1', dr: 'DX' }], ...more });
      visits.push(
        at('E4', { suspended: true }),
        at('E5', { inpatient: true }),
        at('E6', { arrears: true }),
        at('E7', { outOfArea: true }),
        at('E1', { designated: false }),
        at('R1', { lines: [{ type: '09', amt: 5000, days: 20, drug: 'Z1', dr: 'DX' }] }),
      );
    }
    await insertVisits(db, visits);
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    await runRules(db, { months: [], regionCodes: [], full: true });
    stored = (await db.$client.query<StoredAlert>('select * from alerts order by id')).rows;
  }, 120_000);

  it('the data raise the rules whose basis differed by region, in both regions', () => {
    for (const region of ['140500', '360100']) {
      const ruleIds = new Set(stored.filter((a) => a.region_code === region).map((a) => a.rule_id));
      for (const r of ['IND-EXAM', 'EXCL-SUSPENDED', 'EXCL-INPATIENT', 'EXCL-ARREARS', 'EXCL-OUT-OF-AREA', 'EXCL-NON-DESIGNATED', 'RX-DAYS-ORD']) expect(ruleIds, `${region} ${r}`).toContain(r);
    }
  });

  it('no stored alert of 140500 cites 南昌 or 湘政办发, none of 360100 cites 晋市 or 晋医保', () => {
    for (const a of stored) {
      if (a.region_code === '140500') expect(text(a), `${a.rule_id} ${a.subject_id}`).not.toMatch(/南昌|湘政办发/);
      if (a.region_code === '360100') expect(text(a), `${a.rule_id} ${a.subject_id}`).not.toMatch(/晋市|晋医保/);
    }
    const susp = stored.find((a) => a.region_code === '140500' && a.rule_id === 'EXCL-SUSPENDED');
    expect(susp?.clause).toBe('《医疗保障基金使用监督管理条例》第三十八条');
    expect(susp?.explanation).toMatch(/；依据 《医疗保障基金使用监督管理条例》第三十八条$/);
    expect(stored.find((a) => a.region_code === '360100' && a.rule_id === 'IND-EXAM')?.clause).toBe('南昌市门诊共济实施细则（征求意见稿）第四十二条；《医疗保障基金使用监督管理条例》第三十八条');
  });

  it('recompute rewrites a basis stored before the catalogue, also on an alert no rule raises any more', async () => {
    const old = '晋市医保发〔2022〕22号七.2；南昌市门诊共济实施细则（征求意见稿）第四十二条；《医疗保障基金使用监督管理条例》第三十八条';
    const ind = stored.find((a) => a.region_code === '140500' && a.rule_id === 'IND-EXAM');
    await db.$client.query(`update alerts set clause = $2, explanation = regexp_replace(explanation, '依据 .*$', '依据 ' || $2), evidence = jsonb_set(evidence - 'basis', '{thresholds,peerPercentile,basis}', '"晋市医保发〔2022〕22号 七.2、南昌细则第四十二条：取同组第 90 百分位"') where id = $1`, [ind?.id, old]);
    // a legacy alert in a month without data: the rules neither re-raise nor withdraw it
    await db.$client.query(
      `insert into alerts (region_code, rule_id, subject_type, subject_id, period_key, period_start, period_end, result_type, severity, status, amount, explanation, clause, evidence)
       values ('140500', 'EXCL-SUSPENDED', 'institution', 'JOLD', '2023-01', '2023-01-01', '2023-01-31', 'violation', 'high', 'confirmed', 100,
         '机构 JOLD 2023年1月 有 1 笔标记为医保待遇暂停期间的结算仍由统筹基金支付，合计 1.00 元，属于不予支付情形；依据 南昌市门诊共济实施细则（征求意见稿）第十五条（三）',
         '南昌市门诊共济实施细则（征求意见稿）第十五条（三）', '{"setl_ids": []}')`,
    );
    const r = await runCli(['recompute', '--json'], { url });
    expect(r.code, r.stderr).toBe(0);
    const after = (await db.$client.query<StoredAlert>('select * from alerts order by id')).rows;
    for (const a of after) if (a.region_code === '140500') expect(text(a), `${a.rule_id} ${a.subject_id}`).not.toMatch(/南昌|湘政办发/);
    const legacy = after.find((a) => a.subject_id === 'JOLD');
    expect(legacy?.clause).toBe('《医疗保障基金使用监督管理条例》第三十八条');
    expect(legacy?.explanation).toMatch(/属于不予支付情形；依据 《医疗保障基金使用监督管理条例》第三十八条$/);
    expect(after.find((a) => a.id === ind?.id)?.clause).toBe('晋市医保发〔2022〕22号七.2；晋医保发〔2024〕11号二；《医疗保障基金使用监督管理条例》第三十八条');
    // the thresholds' words too, values as judged; and a second run finds nothing to change
    const ev = after.find((a) => a.id === ind?.id)?.evidence as { thresholds: Record<string, { value: number; basis: string }> };
    expect(ev.thresholds.peerPercentile).toMatchObject({ value: 0.9, basis: expect.stringContaining('晋市医保发〔2022〕22号七.2；晋医保发〔2024〕11号二') });
    expect(await inTransaction(db, (c) => refreshStoredBasis(c))).toEqual({ updated: 0 });
  }, 120_000);

  async function basisSection(region: string, ruleId: string): Promise<string> {
    const picked = stored.find((a) => a.region_code === region && a.rule_id === ruleId)?.id ?? 0;
    await db.$client.query(`update alerts set status = 'confirmed' where id = $1`, [picked]);
    const actors = await makeActors(db, [region]);
    const { id } = await createCase(db, actors.inspector, { alertIds: [picked], comment: '立案' }, { today: '2026-11-23' });
    const out = await exportCaseFile(db, actors.inspector, id, { now: new Date('2026-11-24T08:00:00Z') });
    const pdf = await new Promise<Buffer>((resolve, reject) =>
      yauzl.fromBuffer(out.zip, { lazyEntries: true }, (err, zip) => {
        if (err || !zip) return reject(err ?? new Error('no zip'));
        zip.on('entry', (e: yauzl.Entry) => {
          if (e.fileName !== 'decision-report.pdf') return zip.readEntry();
          zip.openReadStream(e, (er, s) => {
            if (er || !s) return reject(er ?? new Error('no stream'));
            const chunks: Buffer[] = [];
            s.on('data', (c: Buffer) => chunks.push(c));
            s.on('end', () => resolve(Buffer.concat(chunks)));
          });
        });
        zip.readEntry();
      }),
    );
    if (process.env.OFM_KEEP_PDF) fs.writeFileSync(path.join(process.env.OFM_KEEP_PDF, `basis-${region}.pdf`), pdf);
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const all = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    const from = all.indexOf('三、处理依据');
    // the fourth section is titled by the stage (四、拟处理意见 … 四、处理决定)
    const to = all.indexOf('四、', from);
    expect(from).toBeGreaterThan(-1);
    expect(to).toBeGreaterThan(from);
    return all.slice(from, to);
  }

  it("the PDF's 处理依据 of a 晋城 case cites its alert's binding clauses and nothing of 南昌 or 湖南", async () => {
    const s = await basisSection('140500', 'IND-EXAM');
    // the alert's clauses as they bind 晋城: its city's, its province's (Shanxi 2024) and the national regulation
    for (const c of ['晋市医保发〔2022〕22号 七.2', '晋医保发〔2024〕11号 二', '《医疗保障基金使用监督管理条例》 第三十八条']) expect(s).toContain(c);
    expect(s).not.toMatch(/南昌|湘政办发/);
  }, 60_000);

  it("the PDF's 处理依据 of a 南昌 case cites 南昌 and national documents, nothing of 晋城 or 山西", async () => {
    const s = await basisSection('360100', 'EXCL-SUSPENDED');
    expect(s).toContain('南昌市门诊共济实施细则（征求意见稿） 第十五条（三）');
    expect(s).not.toMatch(/晋市|晋医保/);
  }, 60_000);
});

describe('peer panel', () => {
  let db: Db;
  beforeAll(async () => {
    ({ db } = await testDatabase());
    // 30 ordinary persons of one category with 300–590 yuan of policy-range cost a year, and PF with 20,000 yuan
    const visits: Visit[] = Array.from({ length: 30 }, (_, k) => ({
      id: `Q${k}`, psn: `PQ${k}`, inst: 'XQ', time: `2024-03-${String(1 + (k % 27)).padStart(2, '0')} 10:00:00+08`, lv: 1, medfee: 30000 + k * 1000, fund: 15000,
      lines: [{ type: '09', amt: 30000 + k * 1000, days: 3, drug: 'Q', dr: 'DQ' }],
    }));
    visits.push(...Array.from({ length: 10 }, (_, k): Visit => ({ id: `F${k}`, psn: 'PF', inst: 'XF', time: `2024-03-${String(k + 1).padStart(2, '0')} 11:00:00+08`, lv: 1, medfee: 200000, fund: 100000, lines: [{ type: '09', amt: 200000, days: 3, drug: `F${k}`, dr: 'DF' }] })));
    await insertVisits(db, visits);
    await refreshIndicators(db, { months: [], regionCodes: [], full: true });
    await runRules(db, { months: [], regionCodes: [], full: true });
  }, 120_000);

  it('a TOP-FUND alert shows the group it was ranked in: count, median, percentiles and the distribution', async () => {
    const r = await db.$client.query<{ id: number }>("select id from alerts where rule_id = 'TOP-FUND' and subject_id = 'PF'");
    const id = r.rows[0]?.id ?? 0;
    expect(id).toBeGreaterThan(0);
    const d = await scoped(db, SYSTEM, (tx) => getAlert(tx, id));
    const rule = ruleById('TOP-FUND');
    const panel = peerPanel(rule, d?.alert ?? { peerMedian: null, percentile: null, robustZ: null, evidence: null }, d?.peers ?? null);
    expect(panel.compares).toBe(true);
    expect(panel.group).toContain('同类人员');
    expect(panel.n).toBe(31);
    // the distribution is the year's policy-range cost of the 31 persons, PF's 20,000 yuan the largest
    expect(panel.values).toHaveLength(31);
    expect(panel.values.at(-1)).toBe(2000000);
    expect(d?.peers?.values.at(-1)?.subjectId).toBe('PF');
    const sorted = [...panel.values].sort((a, b) => a - b);
    expect(panel.median).toBeCloseTo(Math.exp((Math.log(sorted[15] ?? 0) + Math.log(sorted[15] ?? 0)) / 2), 0);
    expect(panel.percentile).toBe(1);
    expect(panel.thresholdPercentile).toBe(0.99);
    expect(panel.thresholdZ).toBe(3);
  });

  it('a rule that does not compare with peers shows no peer numbers', () => {
    for (const r of allRules.filter((x) => !x.peer)) {
      const p = peerPanel(r, { peerMedian: null, percentile: null, robustZ: null, evidence: {} }, null);
      expect(p, r.id).toMatchObject({ compares: false, n: null, median: null, percentile: null, values: [] });
    }
    expect(allRules.filter((x) => x.peer).map((x) => x.id).sort()).toEqual(['IND-EXAM', 'IND-GROWTH', 'IND-PERCAP', 'IND-SELFPAY', 'TOP-FUND', 'TOP-RX']);
  });
});
