/**
 * The JSON body of an API write. Postgres text cannot hold a NUL character, so a body carrying one
 * (raw or as the JSON escape \u0000) is bad input — 400 here, never a 500 from the database later.
 */
export type JsonBody = { ok: true; value: unknown } | { ok: false; error: string };

export async function readJsonBody(req: Request, maxBytes = 1 << 20): Promise<JsonBody> {
  const text = await req.text().catch(() => null);
  if (text === null || text.trim() === '') return { ok: false, error: '请求体为空：应为 JSON' };
  if (text.length > maxBytes) return { ok: false, error: '请求体过大' };
  if (text.includes('\0') || /\\u0000/i.test(text)) return { ok: false, error: '请求体含有非法字符（NUL）' };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, error: '请求体不是有效的 JSON' };
  }
}

/** A zod issue as a Chinese message naming the field. */
export function fieldError(issue: { message: string; path: PropertyKey[] } | undefined): { error: string; field: string | null } {
  const field = issue?.path.map(String).join('.') || null;
  return { error: field ? `字段 ${field} 无效：${issue?.message ?? ''}` : `请求无效：${issue?.message ?? ''}`, field };
}
