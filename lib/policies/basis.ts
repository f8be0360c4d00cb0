/**
 * The legal basis of the rules as data: `policies/basis/catalogue.json`, validated with zod. Each document carries
 * the scope that issued it (national, a province, a city, a county-level city); each rule lists the clauses that may
 * support it. An alert cites only what binds its region — national documents, its province's and its own city's
 * (or county's) — and a clause of another region marked `analogy` is shown at most as 参照, never as 依据.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseJsonFile } from './json-file';

const code6 = z.string().regex(/^\d{6}$/);

export const scopeSchema = z.discriminatedUnion('level', [
  z.object({ level: z.literal('national') }),
  z.object({ level: z.literal('province'), code: code6.refine((c) => c.endsWith('0000'), { message: '省级代码应以 0000 结尾' }), name: z.string().min(2) }),
  z.object({ level: z.literal('city'), code: code6.refine((c) => c.endsWith('00'), { message: '市级代码应以 00 结尾' }), name: z.string().min(2) }),
  z.object({ level: z.literal('county'), code: code6, name: z.string().min(2) }),
]);
export type BasisScope = z.infer<typeof scopeSchema>;

const catalogueSchema = z
  .object({
    id: z.string().min(1),
    note: z.string().min(1),
    documents: z
      .array(
        z.object({
          id: z.string().min(1),
          /** how the document is cited, e.g. 晋市医保发〔2022〕22号 */
          name: z.string().min(2),
          title: z.string().min(2),
          scope: scopeSchema,
          /** policies/seeds/ file the regional clauses are quoted from */
          seed: z.string().optional(),
          /** other names the benefit policies (policies/*.json `cite.doc`) give the document */
          aliases: z.array(z.string().min(2)).optional(),
        }),
      )
      .min(1),
    citations: z.array(z.object({ id: z.string().min(1), doc: z.string().min(1), clause: z.string().min(1), text: z.string().min(2) })).min(1),
    rules: z.record(z.string().regex(/^[A-Z-]+$/), z.array(z.object({ cite: z.string().min(1), analogy: z.boolean().optional() })).min(1)),
  })
  .strict()
  .superRefine((c, ctx) => {
    const docs = new Set(c.documents.map((d) => d.id));
    const cites = new Set(c.citations.map((x) => x.id));
    c.citations.forEach((x, i) => {
      if (!docs.has(x.doc)) ctx.addIssue({ code: 'custom', path: ['citations', i, 'doc'], message: `未知文件 ${x.doc}` });
    });
    if (cites.size !== c.citations.length) ctx.addIssue({ code: 'custom', path: ['citations'], message: '条款编号重复' });
    for (const [rule, list] of Object.entries(c.rules)) {
      list.forEach((x, i) => {
        if (!cites.has(x.cite)) ctx.addIssue({ code: 'custom', path: ['rules', rule, i, 'cite'], message: `未知条款 ${x.cite}` });
      });
    }
  });
export type BasisCatalogue = z.infer<typeof catalogueSchema>;

/** One cited clause as an alert stores and shows it. */
export interface Basis {
  /** document as cited, e.g. 晋市医保发〔2022〕22号 or 《医疗保障基金使用监督管理条例》 */
  doc: string;
  /** clause inside it, e.g. 四 备注3 / 第三十八条 */
  clause: string;
  /** the clause's words (short quotation) */
  text: string;
  /** who issued the document: 全国 / 省 / 市 / 县级市 with its code */
  scope: BasisScope;
}

export interface ResolvedBasis {
  /** clauses of documents that bind the region: the alert's 依据 */
  basis: Basis[];
  /** clauses of another region's documents read by analogy (参照), never 依据 */
  references: Basis[];
}

let cache: { file: string; catalogue: BasisCatalogue } | undefined;

export function basisCatalogueFile(): string {
  return path.resolve(process.cwd(), 'policies', 'basis', 'catalogue.json');
}

export function loadBasisCatalogue(file = basisCatalogueFile()): BasisCatalogue {
  if (cache?.file === file) return cache.catalogue;
  const catalogue = parseJsonFile(file, catalogueSchema, '规则依据目录');
  cache = { file, catalogue };
  return catalogue;
}

/** Whether a document issued at `scope` binds the 6-digit region code (its own city or county, its province, the nation). */
export function scopeBinds(scope: BasisScope, regionCode: string): boolean {
  switch (scope.level) {
    case 'national':
      return true;
    case 'province':
      return regionCode.slice(0, 2) === scope.code.slice(0, 2);
    case 'city':
      return regionCode.slice(0, 4) === scope.code.slice(0, 4);
    case 'county':
      return regionCode === scope.code;
  }
}

export function scopeLabel(scope: BasisScope): string {
  return scope.level === 'national' ? '全国' : `${scope.name} ${scope.code}`;
}

/** Whether a document issued at `scope` binds every region under a policy's region prefix (2, 4 or 6 digits). */
export function scopeBindsPrefix(scope: BasisScope, prefix: string): boolean {
  switch (scope.level) {
    case 'national':
      return true;
    case 'province':
      return prefix.slice(0, 2) === scope.code.slice(0, 2);
    case 'city':
      return prefix.length >= 4 && prefix.slice(0, 4) === scope.code.slice(0, 4);
    case 'county':
      return prefix.length === 6 && prefix === scope.code;
  }
}

/** The catalogue document a name stands for: its `name`, `title` or one of its `aliases`; a policy's trailing `(seed NNN)` is ignored. */
export function findDocument(docName: string, catalogue = loadBasisCatalogue()): BasisCatalogue['documents'][number] | undefined {
  const n = docName.replace(/\s*\(seed \d+\)\s*$/, '');
  return catalogue.documents.find((x) => x.name === n || x.title === n || (x.aliases ?? []).includes(n));
}

/** A document cited by name (e.g. in the sanction policy) binds the region only when the catalogue says so; unknown names bind nowhere. */
export function documentBinds(docName: string, regionCode: string, catalogue = loadBasisCatalogue()): boolean {
  const d = findDocument(docName, catalogue);
  return d ? scopeBinds(d.scope, regionCode) : false;
}

/** The clauses a rule cites for an alert of `regionCode`, and the other regions' clauses it may show as 参照. */
const resolved = new WeakMap<BasisCatalogue, Map<string, ResolvedBasis>>();

export function resolveBasis(ruleId: string, regionCode: string, catalogue = loadBasisCatalogue()): ResolvedBasis {
  // every alert of a run asks again (clause, explanation, evidence): once per catalogue, rule and region
  const memo = resolved.get(catalogue) ?? new Map<string, ResolvedBasis>();
  resolved.set(catalogue, memo);
  const key = `${ruleId}|${regionCode}`;
  const hit = memo.get(key);
  if (hit) return hit;
  const out: ResolvedBasis = { basis: [], references: [] };
  memo.set(key, out);
  for (const entry of catalogue.rules[ruleId] ?? []) {
    const c = catalogue.citations.find((x) => x.id === entry.cite);
    const d = c && catalogue.documents.find((x) => x.id === c.doc);
    if (!c || !d) continue;
    const b: Basis = { doc: d.name, clause: c.clause, text: c.text, scope: d.scope };
    if (scopeBinds(d.scope, regionCode)) out.basis.push(b);
    else if (entry.analogy) out.references.push(b);
  }
  return out;
}

/** Catalogue clauses by id, only those binding the region (a threshold's `cites`). */
export function bindingCitations(ids: string[], regionCode: string, catalogue = loadBasisCatalogue()): Basis[] {
  const out: Basis[] = [];
  for (const id of ids) {
    const c = catalogue.citations.find((x) => x.id === id);
    const d = c && catalogue.documents.find((x) => x.id === c.doc);
    if (c && d && scopeBinds(d.scope, regionCode)) out.push({ doc: d.name, clause: c.clause, text: c.text, scope: d.scope });
  }
  return out;
}

/** A threshold's words as an alert records them: its `basis` and, after it, the clauses of its `cites` binding the region. */
export function thresholdBasis(t: { basis: string; cites?: string[] }, regionCode: string): string {
  const cited = bindingCitations(t.cites ?? [], regionCode);
  return cited.length ? `${t.basis}（${basisText(cited)}）` : t.basis;
}

/** What an alert stores in `clause` and says after 依据: the binding clauses, one after another. */
export function basisText(basis: Basis[]): string {
  return basis.length ? basis.map((b) => `${b.doc}${b.clause}`).join('；') : '本地区适用文件未作规定';
}
