import { getDb } from '@/lib/db/client';
import { sql } from 'drizzle-orm';

export const dynamic = 'force-dynamic';

export default async function OverviewPage() {
  const db = await getDb();
  const { rows } = await db.execute<{ settlements: number; institutions: number; persons: number }>(sql`
    select (select count(*) from settlements)::int as settlements,
           (select count(*) from institutions)::int as institutions,
           (select count(*) from insured_persons)::int as persons`);
  const r = rows[0];
  return (
    <>
      <h1>总览</h1>
      <div className="grid grid-4">
        <div className="panel kpi"><div className="label">结算笔数</div><div className="value" data-testid="kpi-settlements">{r?.settlements ?? 0}</div></div>
        <div className="panel kpi"><div className="label">定点机构</div><div className="value">{r?.institutions ?? 0}</div></div>
        <div className="panel kpi"><div className="label">参保人</div><div className="value">{r?.persons ?? 0}</div></div>
      </div>
    </>
  );
}
