/**
 * What runs after a successful ingest batch, for the affected months only, and (with every month)
 * for a full `recompute`. Steps register here in order: re-adjudication first, then indicators and
 * rules, which read the adjudicated amounts.
 */
import type { Db } from '../db/client';
import { readjudicate } from '../adjudication/bulk';
import { bumpDataVersion } from '../dashboard/cache';
import { refreshIndicators } from '../indicators/refresh';
import { runRules } from '../rules/run';

export interface PipelineScope {
  /** 'YYYY-MM' months touched by the batch (or every month for a full rebuild) */
  months: string[];
  regionCodes: string[];
  /**
   * The days ('YYYY-MM-DD', Asia/Shanghai) whose visits changed, when the batch knows them (every month of `months`
   * holds one): re-adjudication and the rollups then re-derive those days' persons and groups, not whole months.
   */
  days?: string[];
  /**
   * Set by an ingest whose batch only inserted new settlements and fee lines (nothing updated, reversed or moved): the
   * day's refresh may then add the new visits' fee lines to the item rollup instead of regrouping their institutions.
   */
  insertsOnly?: boolean;
  /** filled by the indicator step of a day's refresh: the persons whose visits changed (the person-local rules re-run for them) */
  persons?: string[];
  batchId?: number;
  full?: boolean;
}

export interface PipelineStep {
  name: string;
  run(db: Db, scope: PipelineScope): Promise<unknown>;
}

export const afterIngestSteps: PipelineStep[] = [
  { name: 'adjudicate', run: readjudicate },
  { name: 'indicators', run: refreshIndicators },
  { name: 'rules', run: runRules },
];

export async function afterIngest(db: Db, scope: PipelineScope): Promise<Array<{ step: string; ms: number; result: unknown }>> {
  const out: Array<{ step: string; ms: number; result: unknown }> = [];
  for (const step of afterIngestSteps) {
    const t = performance.now();
    const result = await step.run(db, scope);
    out.push({ step: step.name, ms: Math.round(performance.now() - t), result });
  }
  // every step has committed: pages cached on the data version are recomputed on their next request
  await bumpDataVersion(db);
  return out;
}
