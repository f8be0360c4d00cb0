/**
 * Who acts next on a case, and what they do: the line each case page shows ("下一步：由 复核/法制 审批拟处罚")
 * and what puts a case in a user's 待办 list. Follows the transitions of stages.ts and the conditions of
 * transition.ts (penalty approved before the notice, statement period, legal review, full recovery).
 */
import { ROLE_LABEL } from '../auth/permissions';
import type { Actor } from '../db/scoped';
import { yuan } from '../format';
import { penaltyApproved, type CasePenalty } from './types';

/** inspector: 稽核员 (case.transition); reviewer: 复核/法制 (case.approve, penalty.decide); null: nothing left. */
export type NextActor = 'inspector' | 'reviewer' | null;

export interface NextStepCase {
  stage: string;
  penalty: unknown;
  legalReviewRequired: boolean | null;
  statementDeadline: string | null;
  penaltyTotal: number;
  recoveredAmount: number;
}

export interface NextStep {
  actor: NextActor;
  text: string;
}

const by = (who: Exclude<NextActor, null>, what: string) => `下一步：由 ${ROLE_LABEL[who]} ${what}`;

export function nextStep(c: NextStepCase, today: string): NextStep {
  const penalty = c.penalty as CasePenalty | null;
  switch (c.stage) {
    case 'filed':
      return { actor: 'inspector', text: by('inspector', '开始调查') };
    case 'investigating':
      if (!penalty) return { actor: 'inspector', text: by('inspector', '调查取证并拟定处罚（拟处罚），报 复核/法制 审批；不构成违规的可终止调查') };
      if (!penaltyApproved(penalty)) return { actor: 'reviewer', text: by('reviewer', `审批拟处罚（${penalty.setBy} 拟定，合计 ${yuan(c.penaltyTotal)}）`) };
      return { actor: 'inspector', text: by('inspector', '送达行政处罚事先告知书') };
    case 'notified': {
      const waiting = c.statementDeadline !== null && today <= c.statementDeadline ? `当事人陈述申辩、申请听证期限至 ${c.statementDeadline}；期满或当事人放弃后，` : '';
      if (c.legalReviewRequired) return { actor: 'inspector', text: `${waiting}${by('inspector', '提交法制审核（处理总额达到法制审核标准）')}` };
      return { actor: 'reviewer', text: `${waiting}${by('reviewer', '作出处罚决定（处理总额低于法制审核标准，可不经法制审核）')}` };
    }
    case 'legal_review':
      return { actor: 'reviewer', text: by('reviewer', '进行法制审核：通过并作出决定，或退回补充调查') };
    case 'decided':
      return { actor: 'inspector', text: by('inspector', '送达处罚决定书并进入执行') };
    case 'enforcing': {
      const left = c.penaltyTotal - c.recoveredAmount;
      if (left > 0) return { actor: 'inspector', text: by('inspector', `登记缴款（尚未执行 ${yuan(left)}），执行完毕后结案`) };
      return { actor: 'inspector', text: by('inspector', '结案（已全部执行）') };
    }
    case 'closed':
      return { actor: null, text: '已结案，无须再办理' };
    default:
      return { actor: null, text: '—' };
  }
}

/** Whether the case waits for this user (an admin does both roles' work). */
export function waitsFor(step: NextStep, actor: Actor): boolean {
  if (step.actor === null) return false;
  if (actor.role === 'admin' || actor.role === 'system') return true;
  return actor.role === step.actor;
}
