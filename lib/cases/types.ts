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
}

export interface CaseAmountsView {
  violationAmount: number;
  ownPayAmount: number;
  penaltyTotal: number;
  recoveredAmount: number;
}
