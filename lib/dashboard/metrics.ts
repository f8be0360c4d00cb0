/**
 * The indicators the dashboard offers per subject type, their labels and units, and their
 * formatting. Pure (no database), so client components can import it.
 */
import { count, growth, money, pct } from '../format';

export type SubjectKind = 'institution' | 'doctor' | 'insured' | 'region';
export const SUBJECT_KINDS: SubjectKind[] = ['institution', 'doctor', 'insured', 'region'];
export const SUBJECT_LABEL: Record<SubjectKind, string> = { institution: '机构', doctor: '医师', insured: '参保人', region: '统筹区' };

export type MetricUnit = 'count' | 'fen' | 'ratio' | 'growth';

export interface MetricDef {
  label: string;
  unit: MetricUnit;
  expr: string;
  /** subjects whose rollup has what the metric needs */
  only?: SubjectKind[];
  /** higher is riskier (sort direction of "ranked") */
  desc: boolean;
}

/** Every indicator the explorer offers; expressions read the period sums c_* and p_* (previous period). */
export const METRICS = {
  visits: { label: '就诊人次', unit: 'count', expr: 'c_visits', desc: true },
  persons: { label: '就诊人数（按月累计）', unit: 'count', expr: 'c_persons', only: ['institution', 'doctor', 'region'], desc: true },
  total: { label: '医疗费用总额', unit: 'fen', expr: 'c_total', desc: true },
  fund: { label: '统筹基金支付', unit: 'fen', expr: 'c_fund', desc: true },
  perVisit: { label: '次均费用', unit: 'fen', expr: 'c_total / nullif(c_visits, 0)', desc: true },
  perCapita: { label: '人均费用（按月人数）', unit: 'fen', expr: 'c_total / nullif(c_persons, 0)', only: ['institution', 'doctor', 'region'], desc: true },
  fundPerVisit: { label: '次均统筹支付', unit: 'fen', expr: 'c_fund / nullif(c_visits, 0)', desc: true },
  selfpayRatio: { label: '个人负担比例', unit: 'ratio', expr: '(c_total - c_fund) / nullif(c_total, 0)', desc: true },
  ownpayRatio: { label: '全自费比例', unit: 'ratio', expr: 'c_ownpay / nullif(c_total, 0)', desc: true },
  examShare: { label: '检查检验费占比', unit: 'ratio', expr: 'c_exam / nullif(c_total, 0)', desc: true },
  drugShare: { label: '药品费占比', unit: 'ratio', expr: 'c_drug / nullif(c_total, 0)', desc: true },
  rxCount: { label: '处方数', unit: 'count', expr: 'c_rx', only: ['doctor'], desc: true },
  perVisitGrowth: { label: '次均费用环比增长', unit: 'growth', expr: '(c_total / nullif(c_visits, 0)) / nullif(p_total / nullif(p_visits, 0), 0) - 1', desc: true },
  visitsGrowth: { label: '人次环比增长', unit: 'growth', expr: 'c_visits / nullif(p_visits, 0) - 1', desc: true },
  fundGrowth: { label: '统筹支付环比增长', unit: 'growth', expr: 'c_fund / nullif(p_fund, 0) - 1', desc: true },
} as const satisfies Record<string, MetricDef>;

export type MetricId = keyof typeof METRICS;
export const METRIC_IDS = Object.keys(METRICS) as MetricId[];

export function metricsFor(kind: SubjectKind): MetricId[] {
  return METRIC_IDS.filter((id) => {
    const m: MetricDef = METRICS[id];
    return !m.only || m.only.includes(kind);
  });
}

export function isMetric(v: string | undefined): v is MetricId {
  return v !== undefined && (METRIC_IDS as string[]).includes(v);
}


export function formatMetric(id: MetricId, v: number | null): string {
  const u = METRICS[id].unit;
  if (u === 'fen') return money(v === null ? null : Math.round(v));
  if (u === 'ratio') return pct(v);
  if (u === 'growth') return growth(v);
  return count(v);
}
