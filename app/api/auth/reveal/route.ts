/**
 * POST /api/auth/reveal {entity, id, field} → {value}: the unmasked identifier, for users holding
 * 'reveal', with an audit row (lib/auth/reveal.ts). Cross-site requests: the session cookie is
 * SameSite=Lax (not sent on cross-site POST) and the Origin must match the host.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { clientIp, getActor } from '@/lib/auth/current';
import { revealValue } from '@/lib/auth/reveal';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { readJsonBody } from '@/lib/http/json-body';

export const dynamic = 'force-dynamic';

export async function POST(req: NextRequest) {
  const origin = req.headers.get('origin');
  // also refused centrally by proxy.ts (every write); kept here as this route's own guard
  if (origin && URL.parse(origin)?.host !== req.headers.get('host')) return NextResponse.json({ error: '拒绝跨站请求 (cross-origin request refused)' }, { status: 403 });
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录 (sign in first)' }, { status: 401 });
  const raw = await readJsonBody(req);
  if (!raw.ok) return NextResponse.json({ error: raw.error }, { status: 400 });
  const body = raw.value;
  try {
    const value = await revealValue(await getDb(), actor, (body ?? {}) as Parameters<typeof revealValue>[2], { ip: await clientIp() });
    return NextResponse.json({ value }, { headers: { 'Cache-Control': 'no-store' } });
  } catch (e) {
    if (e instanceof InputError) return NextResponse.json({ error: describeInputError(e) }, { status: 400 });
    if (e instanceof ForbiddenError) return NextResponse.json({ error: e.message }, { status: 403 });
    if (e instanceof NotFoundError) return NextResponse.json({ error: e.message }, { status: 404 });
    throw e;
  }
}
