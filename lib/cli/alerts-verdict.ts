/**
 * `alerts verdict <id…> --confirm|--dismiss|--reopen [--reason TEXT] [--reason-code CODE] [--as EMAIL] [--json]`:
 * records a verdict through the same lib function as the browser (recordVerdict: same checks, same
 * alert_events and audit rows). --as acts as that user (their role and regions apply); without it the batch
 * actor. A dismissal's reason is "已备案：说明" (or --reason-code). Prints {changed:[id…], unchanged:[{id, reason}]};
 * exit 1 when any alert did not change (like a rejected row of `ingest`).
 */
import { eq } from 'drizzle-orm';
import { recordVerdict, type Verdict } from '../alerts/lifecycle';
import { isRole } from '../auth/permissions';
import { getDb } from '../db/client';
import { users } from '../db/schema';
import { SYSTEM, type Actor } from '../db/scoped';
import { InputError } from '../errors';
import { emit, parse, type Io } from './args';

export async function alertsVerdictCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    confirm: { type: 'boolean' },
    dismiss: { type: 'boolean' },
    reopen: { type: 'boolean' },
    reason: { type: 'string' },
    'reason-code': { type: 'string' },
    as: { type: 'string' },
  });
  const kinds = (['confirm', 'dismiss', 'reopen'] as const).filter((k) => values[k]);
  if (kinds.length !== 1) throw new InputError('须且只能指定 --confirm、--dismiss 或 --reopen 之一', { field: '--confirm' });
  if (!positionals.length) throw new InputError('须给出预警编号', { field: 'id' });
  const ids = positionals.map((p) => {
    if (!/^\d{1,15}$/.test(p) || Number(p) <= 0) throw new InputError(`预警编号应为正整数：${p}`, { field: 'id' });
    return Number(p);
  });
  const db = await getDb();
  let actor: Actor = SYSTEM;
  if (values.as !== undefined) {
    const [u] = await db.select({ id: users.id, name: users.name, role: users.role, regions: users.regions, active: users.active }).from(users).where(eq(users.email, values.as.trim().toLowerCase()));
    if (!u || !u.active || !isRole(u.role)) throw new InputError(`用户不存在或已停用：${values.as}`, { field: '--as' });
    actor = { userId: u.id, name: u.name, role: u.role, regions: u.regions };
  }
  const kind = kinds[0];
  const reason = values.reason ?? '';
  const v: Verdict =
    kind === 'confirm'
      ? { verdict: 'confirm', opinion: reason }
      : kind === 'dismiss'
        ? { verdict: 'dismiss', reason: values['reason-code'] ? { code: values['reason-code'], text: reason } : reason }
        : { verdict: 'reopen', reason };
  try {
    const r = await recordVerdict(db, actor, ids, v);
    emit(io, values.json, r, () =>
      [`已处理 ${r.changed.length} 条${r.changed.length ? `：${r.changed.map((i) => `#${i}`).join(' ')}` : ''}`, ...r.unchanged.map((u) => `未变更 #${u.id}：${u.reason}`)].join('\n'),
    );
    return r.unchanged.length ? 1 : 0;
  } catch (e) {
    // the field as the command line names it
    if (e instanceof InputError && e.where?.field && ['opinion', 'reason', 'reasonCode'].includes(e.where.field)) {
      throw new InputError(e.message, { field: e.where.field === 'reasonCode' ? '--reason-code' : '--reason' });
    }
    throw e;
  }
}
