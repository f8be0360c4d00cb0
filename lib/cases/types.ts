import type { PenaltyCalc } from '../penalties/compute';

/** What cases.penalty holds: the calculation, what the tiers proposed, and any override with its reason. */
export interface CasePenalty {
  calc: PenaltyCalc;
  contract: Record<string, string | number>;
  factors: { fraud: boolean; repeat: boolean; cooperation: boolean };
  proposed: { tier: string; multiple: number | null; months: number | null };
  override: { reason: string } | null;
  setBy: string;
  setAt: string;
  /**
   * 拟处罚 approval: null while an inspector's proposal waits for a reviewer (复核/法制); set when a reviewer
   * approves it or computes the penalty themselves. Absent on penalties saved before approval existed
   * (those were set by reviewers, so they count as approved).
   */
  approval?: { by: string; userId: number | null; at: string; comment: string | null } | null;
}

/** Whether the penalty may go into the notice (告知书): computed and approved by a reviewer. */
export function penaltyApproved(p: CasePenalty | null | undefined): boolean {
  return !!p && p.approval !== null;
}

export interface CaseAmountsView {
  violationAmount: number;
  ownPayAmount: number;
  penaltyTotal: number;
  recoveredAmount: number;
}
