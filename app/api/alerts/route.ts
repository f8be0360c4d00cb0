/** GET /api/alerts?…: one page of the filtered alert list as JSON (same URL contract as the 预警 page). */
import { NextResponse, type NextRequest } from 'next/server';
import { listAlerts } from '@/lib/alerts/queries';
import { getActor } from '@/lib/auth/current';
import { alertQueryFrom, toAlertRow } from '@/lib/dashboard/alerts';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录' }, { status: 401 });
  const q = alertQueryFrom(Object.fromEntries(req.nextUrl.searchParams));
  const db = await getDb();
  const r = await scoped(db, actor, (tx) => listAlerts(tx, q.params));
  return NextResponse.json({ rows: r.rows.map((r) => toAlertRow(r)), total: r.total, page: q.params.page, pageSize: q.params.pageSize, sort: q.sort });
}
