/** GET /api/cases/:id/export[?reveal=1] — the case file ZIP (audited; identifiers masked unless revealed). */
import { getActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { exportCaseFile } from '@/lib/export/case-file';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const actor = await getActor();
  if (!actor) return Response.json({ error: '未登录 sign in first' }, { status: 401 });
  const { id } = await params;
  if (!/^\d+$/.test(id)) return Response.json({ error: 'bad case id' }, { status: 400 });
  const reveal = new URL(req.url).searchParams.get('reveal') === '1';
  try {
    const db = await getDb();
    const r = await exportCaseFile(db, actor, Number(id), { reveal });
    return new Response(new Uint8Array(r.zip), {
      headers: {
        'Content-Type': 'application/zip',
        'Content-Disposition': `attachment; filename="${r.fileName}"`,
        'Cache-Control': 'no-store',
      },
    });
  } catch (e) {
    if (e instanceof ForbiddenError) return Response.json({ error: e.message }, { status: 403 });
    if (e instanceof NotFoundError) return Response.json({ error: e.message }, { status: 404 });
    if (e instanceof InputError) return Response.json({ error: describeInputError(e) }, { status: 400 });
    throw e;
  }
}
