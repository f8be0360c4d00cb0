import { auditIngest, cliActor } from '../audit/operations';
import { getDb } from '../db/client';
import { InputError } from '../errors';
import { ingestFiles } from '../ingest';
import { emit, parse, type Io } from './args';

/** `ingest <file…> [--format csv|xlsx|ndjson] [--strict] [--json]` (CONTRACT.md); exit 1 when any row was rejected. */
export async function ingestCommand(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    format: { type: 'string' },
    strict: { type: 'boolean' },
    'skip-pipeline': { type: 'boolean' },
  });
  if (!positionals.length) throw new InputError('用法 usage: ingest <file…> [--format csv|xlsx|ndjson] [--strict] [--json]', { field: 'file' });
  const db = await getDb();
  const r = await ingestFiles(db, positionals, { format: values.format, strict: values.strict, pipeline: !values['skip-pipeline'] });
  await auditIngest(db, cliActor(), r.batches, { via: 'cli' });
  const out = {
    inserted: r.inserted,
    updated: r.updated,
    unchanged: r.unchanged,
    rejected: r.rejected,
    errors: r.errors.map((e) => ({ file: e.file, row: e.row, field: e.field, message: e.message })),
    warnings: r.warnings.map((e) => ({ file: e.file, row: e.row, field: e.field, message: e.message })),
    reversed: r.reversed,
    batches: r.batches,
    months: r.months,
    strict: r.strict,
    rolled_back: r.rolledBack,
    errors_total: r.errorsTotal,
  };
  emit(io, values.json, out, () => {
    const lines = [
      `${r.rolledBack ? '严格模式：整批未导入 strict: nothing loaded' : '导入完成 loaded'} — 新增 inserted ${r.inserted}, 更新 updated ${r.updated}, 未变 unchanged ${r.unchanged}, 拒绝 rejected ${r.rejected}, 冲销 reversed ${r.reversed}, 警告 warnings ${r.warnings.length}`,
      ...r.files.map((f) => `  ${f.file}: ${f.kind} (${f.format}, ${f.encoding}), ${f.rows} 行 rows`),
    ];
    for (const e of r.errors.slice(0, 50)) lines.push(`  ✗ ${e.file} 第 ${e.row} 行 row ${e.row}, 字段 field ${e.field}: ${e.message}`);
    if (r.errorsTotal > 50) lines.push(`  … 共 ${r.errorsTotal} 个错误 errors in total`);
    for (const w of r.warnings.slice(0, 50)) lines.push(`  ! ${w.file} 第 ${w.row} 行 row ${w.row}, 字段 field ${w.field}: ${w.message}`);
    if (r.warnings.length > 50) lines.push(`  … 共 ${r.warnings.length} 个警告 warnings in total`);
    return lines.join('\n');
  });
  if (r.rejected > 0) {
    const first = r.errors[0];
    if (first) io.err(`错误 error: ${first.file}, row ${first.row}, field ${first.field}: ${first.message} (${r.rejected} rejected rows)`);
    return 1;
  }
  return 0;
}
