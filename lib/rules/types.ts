/**
 * A monitoring rule: metadata as national smart monitoring describes it (id, name, legal basis,
 * result type, window, scenario, stage, subject, severity), one set-based SQL query and a Chinese
 * explanation template. See README.md in this folder for the query contract.
 */
export interface Basis {
  /** document, e.g. 晋市医保发〔2022〕22号 or 《医疗保障基金使用监督管理条例》 */
  doc: string;
  /** clause inside it, e.g. 四 备注3 / 第三十八条 */
  clause: string;
  /** the clause's words (short quotation) */
  text: string;
}

export type SubjectType = 'institution' | 'doctor' | 'insured' | 'region';

export interface RuleMeta {
  id: string;
  nameZh: string;
  basis: Basis[];
  /** violation 明确违规 | suspicious 可疑 */
  resultType: 'violation' | 'suspicious';
  window: 'visit' | 'hour' | 'day' | 'month' | 'quarter' | 'year' | '90 days';
  scenario: string;
  stage: 'post';
  subject: SubjectType;
  severity: 'high' | 'medium' | 'low';
  /** which threshold keys the rule reads (recorded on each alert) */
  thresholds: string[];
  /**
   * Explanation template. Placeholders: {subject} {period} {value} {threshold} {median} {pct} {z} {n}
   * {amount} {basis} and any key of the finding's `extra` as {extra.key}.
   */
  template: string;
  /** how {value}/{threshold}/{median} are formatted */
  unit: 'yuan' | 'percent' | 'days' | 'count' | 'minutes' | 'ratio';
  /**
   * Threshold key: how many months before its period the rule reads. A change to a month then changes this rule's
   * findings for that many following months too, and an incremental run re-runs it for them.
   */
  baselineMonthsKey?: string;
  /** where the peer distribution comes from, for the detail page chart */
  peer?: { table: string; subjectColumn: string; metric: string };
}

/**
 * One row of a rule query. Parameters: $1 months (date[] of month starts), $2 regions (text[]),
 * $3 thresholds (jsonb {key: number}), $4 first month start (date), $5 the day after the last month (date). Columns beyond region/subject/period are optional.
 */
export interface Finding {
  region_code: string;
  subject_type: SubjectType;
  subject_id: string;
  subject_name?: string | null;
  period_key: string;
  period_start: string;
  period_end: string;
  value?: number | null;
  threshold?: number | null;
  peer_median?: number | null;
  percentile?: number | null;
  robust_z?: number | null;
  peer_n?: number | null;
  amount?: number | null;
  n?: number | null;
  setl_ids?: string[] | null;
  extra?: Record<string, unknown> | null;
  /** overrides of the rule's result type / severity for this finding */
  result_type?: string | null;
  severity?: string | null;
}

export interface Rule extends RuleMeta {
  sql: string;
}
