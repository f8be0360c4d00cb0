/**
 * What each role may do. Check with `assertCan(actor, action)` at the top of every server action,
 * route handler, CLI command and domain operation that acts for a person; use `can()` only to decide
 * what to show. Which ROWS an actor may touch is not decided here: the database limits every query
 * in scoped() to the actor's regions (row-level security, drizzle/0006_accounts_rls.sql).
 *
 * Actions:
 * | action               | what                                                       | roles                     |
 * |----------------------|------------------------------------------------------------|---------------------------|
 * | read                 | see pages, lists and details of own regions                | all                       |
 * | alert.verdict        | assign, confirm, dismiss alerts; whitelist                 | inspector, reviewer, admin |
 * | case.open            | open a case from confirmed alerts                          | inspector, reviewer, admin |
 * | case.transition      | move a case along (investigate, notify, enforce, close)    | inspector, reviewer, admin |
 * | case.approve         | approve stage transitions that need review (法制审核, 决定) | reviewer, admin           |
 * | penalty.propose      | propose a case's penalty (拟处罚) within the legal range     | inspector, reviewer, admin |
 * | penalty.decide       | set a case's penalty, approve a proposed one               | reviewer, admin           |
 * | export               | export case files, XLSX lists                              | inspector, reviewer, admin |
 * | reveal               | see unmasked personal identifiers (audited)                | inspector, reviewer, admin |
 * | ingest               | load claim files, run recompute                            | inspector, admin          |
 * | user.manage          | create users, set roles and regions, deactivate            | admin                     |
 * | policy.manage        | load and change policy versions                            | admin                     |
 * | subscription.manage  | manage other users' mail subscriptions, resend digests     | admin                     |
 * | audit.read           | read the audit log                                         | admin                     |
 * | scenario.draft       | save a policy what-if scenario (模拟调整); all may view     | reviewer, admin           |
 * The system actor (batch jobs) may do everything. A viewer (只读) may only read (masked).
 */
import type { Actor, Role } from '../db/scoped';
import { ForbiddenError } from '../errors';

export const ACTIONS = [
  'read',
  'alert.verdict',
  'case.open',
  'case.transition',
  'case.approve',
  'penalty.propose',
  'penalty.decide',
  'export',
  'reveal',
  'ingest',
  'user.manage',
  'policy.manage',
  'subscription.manage',
  'audit.read',
  'scenario.draft',
] as const;

export type Action = (typeof ACTIONS)[number];

export const ROLES: readonly Role[] = ['inspector', 'reviewer', 'admin', 'viewer'];

export const ROLE_LABEL: Record<Role, string> = {
  inspector: '稽核员',
  reviewer: '复核/法制',
  admin: '管理员',
  viewer: '只读',
};

const GRANTS: Record<Role, readonly Action[]> = {
  inspector: ['read', 'alert.verdict', 'case.open', 'case.transition', 'penalty.propose', 'export', 'reveal', 'ingest'],
  reviewer: ['read', 'alert.verdict', 'case.open', 'case.transition', 'case.approve', 'penalty.propose', 'penalty.decide', 'export', 'reveal', 'scenario.draft'],
  admin: ACTIONS,
  viewer: ['read'],
};

const ACTION_LABEL: Record<Action, string> = {
  read: '查看',
  'alert.verdict': '处理预警',
  'case.open': '立案',
  'case.transition': '推进案件',
  'case.approve': '审核批准',
  'penalty.propose': '拟定处罚',
  'penalty.decide': '确定处罚',
  export: '导出',
  reveal: '查看未脱敏信息',
  ingest: '导入数据',
  'user.manage': '管理用户',
  'policy.manage': '管理政策',
  'subscription.manage': '管理订阅',
  'audit.read': '查看审计日志',
  'scenario.draft': '拟定模拟调整方案',
};

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function can(actor: Actor | null | undefined, action: Action): boolean {
  if (!actor) return false;
  if (actor.role === 'system') return true;
  if (!isRole(actor.role)) return false;
  return GRANTS[actor.role].includes(action);
}

export function assertCan(actor: Actor | null | undefined, action: Action): void {
  if (can(actor, action)) return;
  const who = actor ? `${actor.name}（${isRole(actor.role) ? ROLE_LABEL[actor.role] : actor.role}）` : '未登录用户';
  throw new ForbiddenError(`${who}无权${ACTION_LABEL[action]}`);
}
