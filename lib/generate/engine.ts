/**
 * The adjudication engine the generator settles clean claims with, so that a clean claim's settled
 * `hifp_pay` / `act_pay_dedc` equal what re-adjudication computes (docs/anomaly-kinds.md).
 * `adjudicateRecords(records, policies)` (lib/adjudication/records.ts) and `loadPolicies()`
 * (lib/policies) belong to the adjudication issue; they are loaded at run time so that the
 * generator does not fix their module shape at compile time.
 */

/** CONTRACT visit record: NHSA field names, money as decimal yuan strings. */
export type VisitRecord = Record<string, string | number | boolean | null | undefined>;

/** CONTRACT `adjudicate` output line (money as strings with two decimals), or a line with `error`. */
export interface AdjudicatedLine {
  setl_id?: string;
  fund_pay?: string;
  deductible?: string;
  excluded?: string | null;
  error?: string;
}

export interface Engine {
  adjudicate(records: VisitRecord[]): Promise<AdjudicatedLine[]>;
}

interface RecordsModule {
  adjudicateRecords(records: VisitRecord[], policies: unknown): AdjudicatedLine[] | Promise<AdjudicatedLine[]> | Iterable<AdjudicatedLine>;
}
interface PoliciesModule {
  loadPolicies(): unknown;
}

export async function loadEngine(): Promise<Engine> {
  // computed specifiers: these modules are written by another issue and typed here by their contract
  const recordsPath = '../adjudication/records';
  const policiesPath = '../policies';
  let rec: RecordsModule;
  let pol: PoliciesModule;
  try {
    rec = (await import(recordsPath)) as RecordsModule;
    pol = (await import(policiesPath)) as PoliciesModule;
  } catch (e) {
    throw new Error(`调用结算引擎失败 the adjudication engine (lib/adjudication/records.ts, lib/policies) is not available: ${(e as Error).message}`);
  }
  if (typeof rec.adjudicateRecords !== 'function' || typeof pol.loadPolicies !== 'function')
    throw new Error('调用结算引擎失败 adjudicateRecords / loadPolicies not exported');
  const policies = await pol.loadPolicies();
  return {
    async adjudicate(records) {
      const out = await rec.adjudicateRecords(records, policies);
      return Array.isArray(out) ? out : Array.from(out as Iterable<AdjudicatedLine>);
    },
  };
}
