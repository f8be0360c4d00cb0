/**
 * Case stages (《医疗保障行政处罚程序暂行规定》 立案 → 调查取证 → 告知 → 审核 → 决定 → 执行 → 结案) and the
 * transitions allowed between them, with the permission each needs. 法制审核 may be skipped only when
 * the total sanction is below the amount in policies/penalties (procedure.legalReviewYuan).
 */
export const STAGES = ['filed', 'investigating', 'notified', 'legal_review', 'decided', 'enforcing', 'closed'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABEL: Record<Stage, string> = {
  filed: '立案',
  investigating: '调查',
  notified: '告知',
  legal_review: '法制审核',
  decided: '决定',
  enforcing: '执行',
  closed: '结案',
};

export type CaseAction = 'case.transition' | 'case.approve';

export interface TransitionRule {
  from: Stage;
  to: Stage;
  action: CaseAction;
  label: string;
}

export const TRANSITIONS: readonly TransitionRule[] = [
  { from: 'filed', to: 'investigating', action: 'case.transition', label: '开始调查' },
  { from: 'investigating', to: 'notified', action: 'case.transition', label: '送达告知书' },
  // 暂行规定 第五十九条（三）（四）: 不予处罚 / 终止调查 closes the case without a decision.
  { from: 'investigating', to: 'closed', action: 'case.transition', label: '终止调查并结案' },
  { from: 'notified', to: 'legal_review', action: 'case.transition', label: '提交法制审核' },
  { from: 'notified', to: 'decided', action: 'case.approve', label: '作出决定' },
  { from: 'legal_review', to: 'decided', action: 'case.approve', label: '审核通过并决定' },
  { from: 'legal_review', to: 'investigating', action: 'case.approve', label: '审核退回补充调查' },
  { from: 'decided', to: 'enforcing', action: 'case.transition', label: '进入执行' },
  { from: 'enforcing', to: 'closed', action: 'case.transition', label: '执行完毕结案' },
];

export function findTransition(from: string, to: string): TransitionRule | undefined {
  return TRANSITIONS.find((t) => t.from === from && t.to === to);
}

export function nextTransitions(from: string): TransitionRule[] {
  return TRANSITIONS.filter((t) => t.from === from);
}

export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

/** Stages in which the penalty may still be (re)computed. */
export const PENALTY_STAGES: readonly Stage[] = ['investigating', 'notified', 'legal_review'];

/** Stages whose deadline is the 90-day decision deadline (行政处罚法 第六十条). */
export const BEFORE_DECISION: readonly Stage[] = ['filed', 'investigating', 'notified', 'legal_review'];
