/** GET /api/cases/:id/export[?reveal=1] — the case file ZIP (audited; identifiers masked unless revealed). */
import { getActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { exportCaseFile } from '@/lib/export/case-file';

export const dynamic = 'force-dynamic';

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const actor = await getActor();
  if (!actor) return Response.json({ error: '未登录，请先登录' }, { status: 401 });
  const { id } = await params;
  if (!/^\d+$/.test(id)) return Response.json({ error: '案件编号无效' }, { status: 400 });
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
    if (e instanceof ForbiddenError) return Response.json({ error: '您的角色无权导出案卷' }, { status: 403 });
    if (e instanceof NotFoundError) return Response.json({ error: '案件不存在或无权查看' }, { status: 404 });
    if (e instanceof InputError) return Response.json({ error: describeInputError(e) }, { status: 400 });
    throw e;
  }
}
