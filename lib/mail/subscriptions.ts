/**
 * Digest subscriptions and the recipients they produce.
 * Written rules:
 * - a user manages their own subscription; an admin may manage anyone's;
 * - the regions chosen must be a subset of the target user's regions (empty = all of them);
 * - users without a row get the default: inspectors and reviewers (稽核员、复核/法制) are
 *   subscribed to everything in their regions, other roles are not subscribed;
 * - each change writes its audit row in the same transaction.
 */
import { asc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { audit } from '../audit';
import type { Db, DbOrTx } from '../db/client';
import { mailSubscriptions, regions as regionsTable, users } from '../db/schema';
import type { Actor, Role } from '../db/scoped';
import { ForbiddenError, InputError, NotFoundError } from '../errors';
import { rules as allRules } from '../rules';
import { SEVERITIES, type Severity } from './digest-data';

const DEFAULT_ROLES: readonly string[] = ['inspector', 'reviewer'];

export const subscriptionInput = z.object({
  userId: z.coerce.number().int().positive(),
  enabled: z.boolean(),
  regions: z.array(z.string().regex(/^\d{6}$/, '区划代码应为 6 位数字')).max(200),
  rules: z
    .array(z.string())
    .max(200)
    .refine((ids) => ids.every((id) => allRules.some((r) => r.id === id)), '未知的规则'),
  minSeverity: z.enum(SEVERITIES),
});
export type SubscriptionInput = z.infer<typeof subscriptionInput>;

export interface Subscription {
  userId: number;
  enabled: boolean;
  regions: string[];
  rules: string[];
  minSeverity: Severity;
  /** true when no row exists and the role default applies */
  isDefault: boolean;
}

export interface Recipient {
  userId: number;
  email: string;
  name: string;
  role: Role;
  /** the user's own regions (['*'] = all) */
  userRegions: string[];
  subscription: Subscription;
  /** the regions the digest covers: subscription ∩ user, expanded from '*' */
  regions: string[];
}

type UserRow = { id: number; email: string; name: string; role: string; regions: string[]; active: boolean };
type SubRow = typeof mailSubscriptions.$inferSelect;

function effective(u: UserRow, s: SubRow | undefined): Subscription {
  if (!s) return { userId: u.id, enabled: DEFAULT_ROLES.includes(u.role), regions: [], rules: [], minSeverity: 'low', isDefault: true };
  const min = (SEVERITIES as readonly string[]).includes(s.minSeverity) ? (s.minSeverity as Severity) : 'low';
  return { userId: u.id, enabled: s.enabled, regions: s.regions, rules: s.rules, minSeverity: min, isDefault: false };
}

async function allRegionCodes(tx: DbOrTx): Promise<string[]> {
  const rows = await tx.select({ code: regionsTable.code }).from(regionsTable).orderBy(asc(regionsTable.code));
  return rows.map((r) => r.code);
}

function coverage(userRegions: string[], sub: Subscription, all: string[]): string[] {
  const own = userRegions.includes('*') ? all : userRegions;
  const chosen = sub.regions.length ? sub.regions.filter((r) => own.includes(r)) : own;
  return [...new Set(chosen)].sort();
}

function toRecipient(u: UserRow, s: SubRow | undefined, all: string[]): Recipient {
  const subscription = effective(u, s);
  return {
    userId: u.id,
    email: u.email,
    name: u.name,
    role: u.role as Role,
    userRegions: u.regions,
    subscription,
    regions: coverage(u.regions, subscription, all),
  };
}

const userCols = { id: users.id, email: users.email, name: users.name, role: users.role, regions: users.regions, active: users.active };

/** Every active, subscribed user with at least one region, in id order. Read with the owner connection (no region data). */
export async function listRecipients(tx: DbOrTx): Promise<Recipient[]> {
  const us = await tx.select(userCols).from(users).where(eq(users.active, true)).orderBy(asc(users.id));
  const subs = us.length ? await tx.select().from(mailSubscriptions).where(inArray(mailSubscriptions.userId, us.map((u) => u.id))) : [];
  const all = await allRegionCodes(tx);
  return us
    .map((u) => toRecipient(u, subs.find((s) => s.userId === u.id), all))
    .filter((r) => r.subscription.enabled && r.regions.length > 0);
}

/** One user as a (possible) recipient, whether subscribed or not — for the preview. */
export async function recipientFor(tx: DbOrTx, userId: number): Promise<Recipient> {
  const [u] = await tx.select(userCols).from(users).where(eq(users.id, userId));
  if (!u) throw new NotFoundError(`用户不存在: ${userId}`);
  const [s] = await tx.select().from(mailSubscriptions).where(eq(mailSubscriptions.userId, userId));
  return toRecipient(u, s, await allRegionCodes(tx));
}

/** The actor a recipient's digest is read as: their own role and the regions the digest covers. */
export function recipientActor(r: Recipient): Actor {
  return { userId: r.userId, name: r.email, role: r.role, regions: r.regions };
}

export function canManage(actor: Actor, userId: number): boolean {
  return actor.role === 'admin' || actor.userId === userId;
}

/** Creates or replaces a subscription (validated, permission-checked, audited, one transaction). */
export async function saveSubscription(db: Db, actor: Actor, raw: unknown): Promise<Subscription> {
  const parsed = subscriptionInput.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(issue?.message ?? '输入无效', { field: issue?.path.join('.') });
  }
  const input = parsed.data;
  if (!canManage(actor, input.userId)) throw new ForbiddenError('只能修改自己的订阅（管理员可修改他人的）');
  return db.transaction(async (tx) => {
    const [u] = await tx.select(userCols).from(users).where(eq(users.id, input.userId));
    if (!u) throw new NotFoundError(`用户不存在: ${input.userId}`);
    if (!u.regions.includes('*')) {
      const outside = input.regions.filter((r) => !u.regions.includes(r));
      if (outside.length) throw new InputError(`订阅的统筹区不在该用户的权限范围内: ${outside.join(', ')}`, { field: 'regions' });
    }
    const [before] = await tx.select().from(mailSubscriptions).where(eq(mailSubscriptions.userId, input.userId));
    const values = {
      userId: input.userId,
      enabled: input.enabled,
      regions: [...new Set(input.regions)].sort(),
      rules: [...new Set(input.rules)].sort(),
      minSeverity: input.minSeverity,
      updatedBy: actor.userId,
      updatedAt: new Date(),
    };
    await tx.insert(mailSubscriptions).values(values).onConflictDoUpdate({ target: mailSubscriptions.userId, set: values });
    await audit(tx, actor, { action: 'mail.subscription.save', entity: 'mail_subscription', entityId: input.userId, before: before ?? null, after: values });
    return effective(u, { ...values, updatedAt: values.updatedAt });
  });
}
