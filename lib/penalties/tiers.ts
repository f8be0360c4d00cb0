/**
 * Discretion (裁量): seed 000 §七.3 and 条例 第四十、四十一条 give only ranges "by circumstances" (视情节).
 * The tier is chosen by a score: amount band + repeat offence + fraud − cooperation, all in
 * policies/penalties/default.json (discretion). A score below 0 or above the last tier takes the nearest tier.
 */
import type { PenaltyPolicy } from '../policies/penalties';

export interface Factors {
  repeat?: boolean;
  fraud?: boolean;
  cooperation?: boolean;
}

export interface TierChoice {
  id: string;
  label: string;
  score: number;
  /** human-readable reasons for the score, e.g. "金额分段 +1" */
  reasons: string[];
  multiple: number;
  months: number;
  fineMultiple: number;
}

export function proposeTier(policy: PenaltyPolicy, amountFen: number, f: Factors): TierChoice {
  const d = policy.discretion;
  const band = [...d.amountBands].reverse().find((b) => amountFen >= b.minYuan * 100) ?? d.amountBands[0];
  const reasons: string[] = [];
  let score = band?.points ?? 0;
  reasons.push(`违规金额${band?.label ?? ''} ${score >= 0 ? '+' : ''}${score}`);
  for (const key of ['repeat', 'fraud', 'cooperation'] as const) {
    if (f[key]) {
      const x = d.factors[key];
      score += x.points;
      reasons.push(`${x.label} ${x.points >= 0 ? '+' : ''}${x.points}`);
    }
  }
  const idx = Math.min(Math.max(score, 0), d.tiers.length - 1);
  const t = d.tiers[idx] ?? d.tiers[0];
  if (!t) throw new Error('penalty policy has no tiers');
  return { id: t.id, label: t.label, score, reasons, multiple: t.multiple, months: t.months, fineMultiple: t.fineMultiple };
}
