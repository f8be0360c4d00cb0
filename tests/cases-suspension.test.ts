/**
 * End to end: a decided insured case writes a suspension, and the SUSPENDED rule (lib/rules) raises an alert
 * for a claim dated inside it, not for one on the (exclusive) end date.
 */
import { and, eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createCase } from '../lib/cases/create';
import { setCasePenalty } from '../lib/cases/set-penalty';
import { transitionCase } from '../lib/cases/transition';
import { recompute } from '../lib/cli/recompute';
import type { Db } from '../lib/db/client';
import { alerts } from '../lib/db/schema';
import { insertAlerts, insertClaims, makeActors } from './cases-fixture';
import { testDatabase } from './db';

let db: Db;

beforeAll(async () => {
  ({ db } = await testDatabase());
});

describe('suspension enforcement', () => {
  it('a claim inside the decided suspension raises SUSPENDED; the end date is free', async () => {
    const A = await makeActors(db);
    const ids = await insertAlerts(db, [{ rule: 'TWO-PLACES', subjectType: 'insured', subjectId: 'P77', period: '2023-12', amount: 60_000 }]);
    const { id } = await createCase(db, A.inspector, { alertIds: ids, comment: '立案' }, { today: '2024-01-20' });
    await transitionCase(db, A.inspector, id, { to: 'investigating', comment: '调查' });
    await setCasePenalty(db, A.reviewer, id, { start: '2024-01-31', months: 3 }, { today: '2024-01-20' });
    await transitionCase(db, A.inspector, id, { to: 'notified', comment: '告知' }, { today: '2024-01-22' });
    await transitionCase(db, A.reviewer, id, { to: 'decided', comment: '决定', waiveStatement: true }, { today: '2024-01-23' });
    await insertClaims(db, [
      { id: 'IN-1', time: '2024-02-29 10:00:00+08', psn: 'P77', inst: 'H1', fund: 12_345, medfee: 20_000 },
      { id: 'OUT-END', time: '2024-04-30 10:00:00+08', psn: 'P77', inst: 'H1', fund: 5_000, medfee: 9_000 },
      { id: 'OUT-BEFORE', time: '2024-01-30 10:00:00+08', psn: 'P77', inst: 'H1', fund: 5_000, medfee: 9_000 },
    ]);
    await recompute(db, { full: true });
    const found = await db.select().from(alerts).where(and(eq(alerts.ruleId, 'SUSPENDED'), eq(alerts.subjectId, 'P77')));
    expect(found).toHaveLength(1);
    expect(found[0]?.amount).toBe(12_345);
    expect((found[0]?.evidence as { setl_ids: string[] }).setl_ids).toEqual(['IN-1']);
  });
});
