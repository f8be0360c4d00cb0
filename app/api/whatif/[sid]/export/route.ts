/**
 * GET /api/whatif/<id>/export?from&to[&vs=<id>]: a saved scenario's impact (and a second beside it) as
 * XLSX (lib/whatif/xlsx.ts). Region-scoped like the page; needs 'export'; written to the audit log.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { audit } from '@/lib/audit';
import { getActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';
import { InputError, NotFoundError } from '@/lib/errors';
import { scenarioImpact, type Impact } from '@/lib/whatif/view';
import { impactWorkbook } from '@/lib/whatif/xlsx';

export const dynamic = 'force-dynamic';

export async function GET(req: NextRequest, { params }: { params: Promise<{ sid: string }> }) {
  const actor = await getActor();
  if (!actor) return NextResponse.json({ error: '未登录' }, { status: 401 });
  if (!can(actor, 'export')) return NextResponse.json({ error: '无权导出' }, { status: 403 });
  const { sid } = await params;
  const sp = req.nextUrl.searchParams;
  const date = (k: string) => {
    const v = sp.get(k);
    return v && /^\d{4}-\d{2}-\d{2}$/.test(v) ? v : undefined;
  };
  const vs = sp.get('vs');
  const db = await getDb();
  let a: Impact;
  let b: Impact | null = null;
  try {
    a = await scenarioImpact(db, actor, Number(sid), { from: date('from'), to: date('to') });
    if (vs && /^\d+$/.test(vs)) b = await scenarioImpact(db, actor, Number(vs), { from: a.result.from, to: a.result.to });
  } catch (e) {
    if (e instanceof NotFoundError) return NextResponse.json({ error: '方案不存在或不在您的统筹区' }, { status: 404 });
    if (e instanceof InputError) return NextResponse.json({ error: e.message }, { status: 400 });
    throw e;
  }
  const buf = await impactWorkbook(a, b);
  await scoped(db, actor, (tx) =>
    audit(tx, actor, { action: 'export', entity: 'whatif_scenario', entityId: a.saved.id, regionCode: a.saved.regionCode, after: { from: a.result.from, to: a.result.to, vs: b?.saved.id ?? null } }),
  );
  const name = `模拟测算-${a.saved.body.id}-${a.result.from}-${a.result.to}.xlsx`;
  return new NextResponse(new Uint8Array(buf), {
    headers: {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'content-disposition': `attachment; filename="${a.saved.body.id}.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`,
    },
  });
}
