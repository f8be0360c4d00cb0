/** A rule's legal basis is data (policies/basis/catalogue.json), resolved per alert by its region: lib/policies/basis.ts. */
export type { Basis } from '../policies/basis';

/**
 * A monitoring rule: metadata as national smart monitoring describes it (id, name, legal basis,
 * result type, window, scenario, stage, subject, severity), one set-based SQL query and a Chinese
 * explanation template. See README.md in this folder for the query contract.
 */
export type SubjectType = 'institution' | 'doctor' | 'insured' | 'region';

export interface VisitCondition {
  where: string;
  value: string;
  threshold: string;
}

export interface RuleMeta {
  id: string;
  nameZh: string;
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
  /**
   * The rule's findings for a person read that person's own rows only (no peers, no other persons). Its query then
   * takes $6, the persons (psn_no) to re-run, or null for all: a day's batch re-runs it for the persons whose visits
   * changed, and only their alerts may be withdrawn.
   */
  personLocal?: boolean;
  /**
   * Set on a rule whose finding for a subject (institution, doctor) in a period reads that subject's own visits in the
   * period only: no peers, no other subject. Its query takes $6, the subject ids to re-run (null: every subject), as a
   * person-local rule's does. `changed` selects, from `d` (the visits of the days a batch changed: ind_visits' columns,
   * $3 the thresholds), the subjects those days can give a finding (column subject_id). A day's batch re-runs the rule
   * for those subjects and the ones it already alerted in the period (a finding may shrink or go): the findings a full
   * run gives for every other subject cannot have changed, because none of their visits did.
   */
  local?: { changed: string };
  /**
   * Set when the rule ranks the subject among peers (it then stores median, percentile, z and group size on the
   * alert): what the group is, which thresholds it was judged by, and where the detail page reads the group's
   * distribution (`source`; absent when the ranked statistic is computed inside the query only, as IND-GROWTH's growth).
   */
  /**
   * Set on a rule that judges each visit on its own: the condition on an ind_visits row, the value and the threshold
   * (SQL over the row's columns and `th()` thresholds). The monitoring query groups the visits meeting it
   * (visitGroup); the real-time check (lib/realtime) evaluates the same condition on the encounter being checked, one
   * row per order line (max_days = that line's days), so the lines at fault are the rows that meet it.
   */
  visit?: VisitCondition;
  peer?: {
    /** the group in words, e.g. 同统筹区同类同级机构（同月） */
    group: string;
    /** threshold key of the percentile the subject had to reach (none when the rule ranks by z only) */
    percentileKey?: string;
    /** threshold key of the robust z the subject had to reach */
    zKey: string;
    source?: {
      table: string;
      subjectColumn: string;
      /** SQL expression of the ranked value (summed over the year for window 'year') */
      metric: string;
      window: 'month' | 'year';
      /** the rule's volume floor: only subjects the rule ranked are shown (column, threshold key) */
      volume?: { column: string; minKey: string };
      /** SQL condition on the table's rows the rule applies */
      filter?: string;
    };
  };
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
