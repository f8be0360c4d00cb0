/**
 * Rows for the digest tests: two regions (晋城 140500, 南昌 360100), four users, alerts in ISO weeks
 * 2026-W46/W47 (Shanghai) and cases around the W47 mail date (Monday 2026-11-23).
 * Hand-derived expectations are exported next to the rows they come from.
 */
import type { Db } from '../lib/db/client';
import { alerts, cases, mailSubscriptions, regions, users } from '../lib/db/schema';

export const PSN = 'P140500000123';
export const PSN_NAME = '张三丰';

/** The app role the scoped reads switch to (normally created by the accounts migration). */
export async function ensureAppRole(db: Db) {
  await db.$client.query(`do $$ begin create role ofm_app nologin; exception when duplicate_object or unique_violation then null; end $$`);
  await db.$client.query('grant usage on schema public to ofm_app');
  await db.$client.query('grant select on all tables in schema public to ofm_app');
}

type AlertRow = typeof alerts.$inferInsert;
function alert(p: Partial<AlertRow> & Pick<AlertRow, 'regionCode' | 'ruleId' | 'subjectId' | 'severity' | 'firstSeenAt'>): AlertRow {
  return {
    subjectType: 'institution',
    subjectName: null,
    periodKey: `${p.subjectId}-${p.ruleId}-${String(p.firstSeenAt)}`,
    periodStart: '2026-10-01',
    periodEnd: '2026-10-31',
    resultType: 'violation',
    explanation: 'x',
    clause: 'y',
    evidence: {},
    amount: 0,
    ...p,
  };
}

const at = (s: string) => new Date(`${s}+08:00`);

export interface Fixture {
  jc: number;
  nc: number;
  lead: number;
  viewer: number;
}

export async function seedDigestFixture(db: Db): Promise<Fixture> {
  await ensureAppRole(db);
  await db.insert(regions).values([
    { code: '140500', name: '晋城市', provinceCode: '14' },
    { code: '360100', name: '南昌市', provinceCode: '36' },
  ]);
  const [jc, nc, lead, viewer] = await db
    .insert(users)
    .values([
      { email: 'jc@example.cn', name: '晋城稽核员', passwordHash: 'x', role: 'inspector', regions: ['140500'] },
      { email: 'nc@example.cn', name: '南昌稽核员', passwordHash: 'x', role: 'inspector', regions: ['360100'] },
      { email: 'lead@example.cn', name: '科长', passwordHash: 'x', role: 'reviewer', regions: ['140500', '360100'] },
      { email: 'viewer@example.cn', name: '只读', passwordHash: 'x', role: 'viewer', regions: ['140500'] },
    ])
    .returning({ id: users.id });
  if (!jc || !nc || !lead || !viewer) throw new Error('users not created');
  // The leader only wants high-severity alerts.
  await db.insert(mailSubscriptions).values({ userId: lead.id, regions: [], rules: [], minSeverity: 'high' });

  await db.insert(alerts).values([
    // W47 (2026-11-16 .. 22), 晋城: 5 new alerts — RX-DAYS-ORD high ×2 (H1, insured), SPLIT-VISIT medium ×2 (H1, H2), TOP-FUND low ×1 (insured)
    alert({ regionCode: '140500', ruleId: 'RX-DAYS-ORD', subjectId: 'H1', subjectName: '晋城市第一人民医院', severity: 'high', amount: 120_000, firstSeenAt: at('2026-11-16T00:00:00') }),
    alert({ regionCode: '140500', ruleId: 'RX-DAYS-ORD', subjectType: 'insured', subjectId: PSN, subjectName: PSN_NAME, severity: 'high', amount: 30_000, firstSeenAt: at('2026-11-18T10:00:00') }),
    alert({ regionCode: '140500', ruleId: 'SPLIT-VISIT', subjectId: 'H1', subjectName: '晋城市第一人民医院', severity: 'medium', amount: 5_000, firstSeenAt: at('2026-11-20T09:00:00') }),
    alert({ regionCode: '140500', ruleId: 'SPLIT-VISIT', subjectId: 'H2', subjectName: '泽州县人民医院', severity: 'medium', amount: 2_000, firstSeenAt: at('2026-11-22T23:59:00') }),
    alert({ regionCode: '140500', ruleId: 'TOP-FUND', subjectType: 'insured', subjectId: PSN, subjectName: PSN_NAME, severity: 'low', amount: 800_000, firstSeenAt: at('2026-11-21T12:00:00') }),
    // W47 boundary: Monday 2026-11-23 00:00 Shanghai belongs to W48
    alert({ regionCode: '140500', ruleId: 'TOP-FUND', subjectId: 'H3', severity: 'low', firstSeenAt: at('2026-11-23T00:00:00'), status: 'dismissed' }),
    // W46, 晋城: 2 alerts (RX-DAYS-ORD high, SPLIT-VISIT medium)
    alert({ regionCode: '140500', ruleId: 'RX-DAYS-ORD', subjectId: 'H9', severity: 'high', firstSeenAt: at('2026-11-10T08:00:00'), status: 'dismissed' }),
    alert({ regionCode: '140500', ruleId: 'SPLIT-VISIT', subjectId: 'H9', severity: 'medium', firstSeenAt: at('2026-11-15T23:00:00'), status: 'dismissed' }),
    // W47, 南昌: 1 high alert on 南昌某医院 (must never show in the 晋城 mail)
    alert({ regionCode: '360100', ruleId: 'RX-DAYS-ORD', subjectId: 'NC-H360', subjectName: '南昌某医院', severity: 'high', amount: 990_000, firstSeenAt: at('2026-11-17T08:00:00') }),
  ]);

  const c = (regionCode: string, caseNo: string, stage: string, stageDeadline: string | null, subjectType = 'institution', subjectId = 'H1', subjectName: string | null = '晋城市第一人民医院') => ({
    regionCode,
    caseNo,
    subjectType,
    subjectId,
    subjectName,
    title: `${subjectName ?? subjectId} 超量开药`,
    stage,
    stageDeadline,
  });
  await db.insert(cases).values([
    c('140500', 'JC-2026-001', 'investigating', '2026-11-26'), // 3 days left → listed
    c('140500', 'JC-2026-002', 'notified', '2026-11-20', 'insured', PSN, PSN_NAME), // overdue 3 days → listed, masked
    c('140500', 'JC-2026-003', 'closed', '2026-11-20'), // closed → not listed
    c('140500', 'JC-2026-004', 'filed', '2026-12-20'), // 27 days → not listed
    c('140500', 'JC-2026-005', 'filed', '2026-11-30'), // exactly 7 days → listed
    c('360100', 'NC-2026-001', 'filed', '2026-11-24', 'institution', 'NC-H360', '南昌某医院'),
  ]);
  return { jc: jc.id, nc: nc.id, lead: lead.id, viewer: viewer.id };
}
