/**
 * `case export <case-id> --out FILE.zip [--reveal] [--as EMAIL] [--json]`
 * Writes the case file (see lib/export/case-file.ts). Acts as the user given by --as (their regions and
 * permissions apply), otherwise as the system actor (a shell on the server is already trusted with the data).
 * Identifiers are masked unless --reveal is given (and the actor may reveal).
 */
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { getDb } from '../db/client';
import { users } from '../db/schema';
import { SYSTEM, type Actor, type Role } from '../db/scoped';
import { InputError } from '../errors';
import { exportCaseFile } from '../export/case-file';
import { emit, parse, type Io } from './args';

export async function caseExport(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' }, reveal: { type: 'boolean' }, as: { type: 'string' } });
  const idText = positionals[0];
  if (!idText || positionals.length > 1 || !/^\d+$/.test(idText)) throw new InputError(`应给出一个案件ID expected one case id, got: ${positionals.join(' ') || 'nothing'}`, { field: 'case-id' });
  if (!values.out) throw new InputError('--out FILE.zip 必填 is required', { field: 'out' });
  const dir = path.dirname(path.resolve(values.out));
  if (!fs.existsSync(dir)) throw new InputError(`目录不存在 directory does not exist: ${dir}`, { field: 'out' });
  const db = await getDb();
  let actor: Actor = SYSTEM;
  if (values.as) {
    const [u] = await db.select().from(users).where(eq(users.email, values.as));
    if (!u || !u.active) throw new InputError(`用户不存在或已停用 no active user ${values.as}`, { field: 'as' });
    actor = { userId: u.id, name: u.name, role: u.role as Role, regions: u.regions };
  }
  const r = await exportCaseFile(db, actor, Number(idText), { reveal: values.reveal ?? false });
  fs.writeFileSync(values.out, r.zip);
  emit(io, values.json, { out: path.resolve(values.out), bytes: r.zip.length, case_no: r.manifest.case_no, masked: r.manifest.masked, files: r.manifest.files }, () =>
    [`案卷已导出 case file written: ${path.resolve(values.out ?? '')} (${r.zip.length} bytes)`, ...r.manifest.files.map((f) => `  ${f.name}  ${f.sha256}`)].join('\n'),
  );
  return 0;
}
