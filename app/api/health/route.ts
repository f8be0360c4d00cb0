import { NextResponse } from 'next/server';
import { getDb } from '@/lib/db/client';

export const dynamic = 'force-dynamic';

/** Liveness with a real database round trip. */
export async function GET() {
  try {
    const db = await getDb();
    const started = Date.now();
    const { rows } = await db.$client.query<{ migrations: number }>('select count(*)::int as migrations from drizzle.__drizzle_migrations');
    return NextResponse.json({ ok: true, db: 'up', migrations: rows[0]?.migrations ?? 0, latency_ms: Date.now() - started });
  } catch (e) {
    return NextResponse.json({ ok: false, db: 'down', error: (e as Error).message }, { status: 503 });
  }
}
