/**
 * Deadlines of a case, from policies/penalties (procedure): the decision within 90 days of filing
 * (行政处罚法 第六十条), the party's statement/hearing request within 5 working days of the notice
 * (第六十四条（一）, 第八十五条), payment within 15 days of the decision (第六十七条).
 */
import type { PenaltyPolicy } from '../policies/penalties';
import { addDays, addWorkingDays } from '../penalties/dates';
import { BEFORE_DECISION, type Stage } from './stages';

export function decisionDue(policy: PenaltyPolicy, openedOn: string): string {
  return addDays(openedOn, policy.procedure.decisionDays.value);
}

export function statementDeadline(policy: PenaltyPolicy, noticeOn: string): string {
  return addWorkingDays(noticeOn, policy.procedure.statementDays.value, policy.procedure.holidays.dates);
}

/** The years between two dates whose holiday notice is not entered in the policy (working days there only skip weekends). */
export function holidayYearsMissing(policy: PenaltyPolicy, from: string, to: string): number[] {
  const out: number[] = [];
  for (let y = Number(from.slice(0, 4)); y <= Number(to.slice(0, 4)); y++) if (!policy.procedure.holidays.years.includes(y)) out.push(y);
  return out;
}

export function paymentDue(policy: PenaltyPolicy, decidedOn: string): string {
  return addDays(decidedOn, policy.procedure.paymentDays.value);
}

export interface DeadlineFields {
  stage: string;
  decisionDue: string | null;
  statementDeadline: string | null;
  paymentDue: string | null;
  penaltyTotal: number;
  recoveredAmount: number;
}

/** The deadline shown for the current stage. */
export function stageDeadline(c: DeadlineFields): string | null {
  if (c.stage === 'notified') return c.statementDeadline;
  if ((BEFORE_DECISION as readonly string[]).includes(c.stage)) return c.decisionDue;
  if (c.stage === 'decided' || c.stage === 'enforcing') return c.paymentDue;
  return null;
}

/**
 * Overdue: not decided by the decision deadline, or not fully paid by the payment deadline.
 * (The statement deadline passing is not the agency's delay: it opens the way to the decision.)
 */
export function isOverdue(c: DeadlineFields, today: string): boolean {
  const stage = c.stage as Stage;
  if ((BEFORE_DECISION as readonly string[]).includes(stage)) return c.decisionDue !== null && c.decisionDue < today;
  if (stage === 'decided' || stage === 'enforcing') return c.paymentDue !== null && c.paymentDue < today && c.recoveredAmount < c.penaltyTotal;
  return false;
}
