/**
 * Monitoring thresholds as data: `policies/monitoring/default.json` plus optional region overrides
 * (`policies/monitoring/<name>.json` with `regionPrefixes`, e.g. ["1405"]), each threshold citing its
 * basis. A region gets the default merged with its longest-prefix override. Validated with zod.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseJsonFile } from './json-file';

// `cites`: clause ids of policies/basis/catalogue.json; an alert records only those that bind its region
const threshold = z.object({ value: z.number().finite(), unit: z.string().min(1), basis: z.string().min(4), cites: z.array(z.string().min(1)).optional() });

export const thresholdKeys = [
  'minPeerSize',
  'minVolume',
  'peerPercentile',
  'robustZ',
  'growthMom',
  'growthMinVisitsPrev',
  'rxDaysOrdinaryWarn',
  'rxDaysOrdinaryMax',
  'rxDaysChronicWarn',
  'rxDaysChronicMax',
  'rxOverlapDays',
  'rxOverlapLookbackDays',
  'splitVisitMin',
  'twoPlacesMinutes',
  'doctorDayMax',
  'coVisitMinDays',
  'checkupMinLines',
  'payDiffToleranceFen',
  'topFundPercentile',
  'topFundMinFundFen',
  'topFundLogZ',
  'topFundMinRatio',
  'growthRobustZ',
  'growthMinVisits',
  'growthMinT',
  'growthBaselineMonths',
  'rxMinCount',
  'ratioMinVolume',
  'rxAmountMinPercentile',
  'rxMinRatio',
  'rxColleagueRatio',
  'selfpayMinRatio',
  'examMinRatio',
  'budgetUse',
  'cashOutMinPurchases',
  'cashOutMinAmountFen',
] as const;
export type ThresholdKey = (typeof thresholdKeys)[number];
export type Threshold = z.infer<typeof threshold>;
export type Thresholds = Record<ThresholdKey, Threshold>;

const fullShape = Object.fromEntries(thresholdKeys.map((k) => [k, threshold])) as Record<ThresholdKey, typeof threshold>;

const defaultFile = z.object({
  id: z.string().min(1),
  regionPrefixes: z.array(z.string()).length(0),
  document: z.string().min(1),
  thresholds: z.object(fullShape).strict(),
});
/** Some thresholds replaced: an override file's, and an adopted version's (lib/policies/monitoring-versions.ts). */
export const thresholdOverrides = z.object(fullShape).partial().strict();
const overrideFile = z.object({
  id: z.string().min(1),
  regionPrefixes: z.array(z.string().regex(/^\d{2,6}$/)).min(1),
  document: z.string().min(1),
  thresholds: thresholdOverrides,
});

export interface MonitoringPolicy {
  /** ids of the files merged, default first */
  ids: string[];
  thresholds: Thresholds;
}

interface Loaded {
  base: z.infer<typeof defaultFile>;
  overrides: Array<z.infer<typeof overrideFile>>;
}

let cache: { dir: string; loaded: Loaded } | undefined;

export function monitoringDir(): string {
  return path.resolve(process.cwd(), 'policies', 'monitoring');
}

function parseFile<T>(file: string, schema: z.ZodType<T>): T {
  return parseJsonFile(file, schema, '监测阈值文件');
}

export function loadMonitoring(dir = monitoringDir()): Loaded {
  if (cache?.dir === dir) return cache.loaded;
  const base = parseFile(path.join(dir, 'default.json'), defaultFile);
  const overrides = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'default.json')
    .sort()
    .map((f) => parseFile(path.join(dir, f), overrideFile));
  cache = { dir, loaded: { base, overrides } };
  return cache.loaded;
}

/** The thresholds in force for a region: default merged with the longest matching prefix override. */
export function monitoringFor(regionCode: string, dir?: string): MonitoringPolicy {
  const { base, overrides } = loadMonitoring(dir);
  let best: (typeof overrides)[number] | undefined;
  let bestLen = -1;
  for (const o of overrides) {
    for (const p of o.regionPrefixes) {
      if (regionCode.startsWith(p) && p.length > bestLen) {
        best = o;
        bestLen = p.length;
      }
    }
  }
  const thresholds = { ...base.thresholds, ...(best?.thresholds ?? {}) } as Thresholds;
  return { ids: best ? [base.id, best.id] : [base.id], thresholds };
}

/** Groups regions by the threshold set they resolve to, so a rule runs once per distinct set. */
export function groupRegionsByPolicy(regionCodes: string[], dir?: string): Array<{ policy: MonitoringPolicy; regions: string[] }> {
  const groups = new Map<string, { policy: MonitoringPolicy; regions: string[] }>();
  for (const r of regionCodes) {
    const policy = monitoringFor(r, dir);
    const key = policy.ids.join('+');
    const g = groups.get(key) ?? { policy, regions: [] };
    g.regions.push(r);
    groups.set(key, g);
  }
  return [...groups.values()];
}
