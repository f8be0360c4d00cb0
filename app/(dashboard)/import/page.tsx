import { requireActor } from '@/lib/auth/current';
import { isRole, ROLE_LABEL } from '@/lib/auth/permissions';
import { allowed } from '@/lib/cases/allowed';
import { getDb } from '@/lib/db/client';
import { chinesePart, count, dateTime } from '@/lib/format';
import { UploadBox } from './upload-box';

export const dynamic = 'force-dynamic';

const STATUS: Record<string, string> = { running: '进行中', done: '完成', rejected: '严格模式未导入', failed: '失败' };
const KIND: Record<string, string> = { settlements: '结算', details: '费用明细', institutions: '机构', doctors: '医师', persons: '参保人', unknown: '—' };
/** Row problems listed on the page; the XLSX report has them all. */
const ERRORS_SHOWN = 50;

interface BatchRow {
  id: number;
  file_name: string;
  kind: string;
  status: string;
  rows: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  reversed: number;
  warnings: number;
  started_at: Date;
  message: string | null;
}

interface ErrorRow {
  batch_id: number;
  file: string;
  row: number;
  field: string;
  message: string;
  value: string | null;
  /** 'warning' / 'error' once ingest_errors carries a level; absent before */
  level: string | null;
}

/** 'warning'/'warn'/'警告' → 警告; anything else (or no level column) → 错误 (the row was rejected). */
function levelLabel(level: string | null): string {
  return level && /^(warn|warning|警告)$/i.test(level) ? '警告' : '错误';
}

export default async function ImportPage() {
  const actor = await requireActor();
  const db = await getDb();
  const all = actor.role === 'admin' || actor.regions.includes('*');
  const { rows } = await db.$client.query<BatchRow>(
    `select id, file_name, kind, status, rows, inserted, updated, unchanged, rejected, reversed, started_at, message,
       (select count(*)::int from ingest_errors e where e.batch_id = b.id and e.severity = 'warning') as warnings
     from ingest_batches b where $1 or user_id = $2 order by id desc limit 100`,
    [all, actor.userId],
  );
  // The first row problems of the latest batches that have any, read with to_jsonb so that an optional
  // level/severity column (warnings that were loaded anyway) is shown when the table has it and ignored when not.
  const ids = rows.map((b) => b.id);
  const errs = ids.length
    ? await db.$client.query<ErrorRow & { total: string }>(
        `with b as (select distinct batch_id from ingest_errors where batch_id = any($1::bigint[]) order by batch_id desc limit 5)
         select e.batch_id, e.file, e.row, e.field, e.message, e.value,
           coalesce(to_jsonb(e) ->> 'level', to_jsonb(e) ->> 'severity') as level, count(*) over () as total
         from ingest_errors e join b using (batch_id)
         order by e.batch_id desc, e.row, e.id limit ${ERRORS_SHOWN}`,
        [ids],
      )
    : { rows: [] };
  const errorTotal = Number(errs.rows[0]?.total ?? 0);
  const canImport = allowed(actor, 'ingest');
  return (
    <>
      <h1>导入</h1>
      {canImport ? (
        <UploadBox />
      ) : (
        <div className="panel" data-testid="import-readonly">
          <p className="muted">您的角色（{isRole(actor.role) ? ROLE_LABEL[actor.role] : actor.role}）不能导入数据，只能查看导入记录和错误报告。如需导入，请联系系统管理员。</p>
        </div>
      )}
      {errs.rows.length > 0 && (
        <div className="panel">
          <h2>行错误和警告</h2>
          <p className="muted">
            最近有问题的批次中的前 {count(errs.rows.length)} 条（共 {count(errorTotal)} 条）；完整清单请在下方导入记录中下载 XLSX 错误报告。
          </p>
          <table className="data" data-testid="row-errors">
            <thead>
              <tr>
                <th>批次</th><th>文件</th><th className="num">行号</th><th>字段</th><th>类型</th><th>说明</th><th>原值</th>
              </tr>
            </thead>
            <tbody>
              {errs.rows.map((e, i) => (
                <tr key={`${e.batch_id}-${e.row}-${i}`}>
                  <td>{e.batch_id}</td>
                  <td>{e.file}</td>
                  <td className="num">{e.row}</td>
                  <td>{e.field}</td>
                  <td>{levelLabel(e.level)}</td>
                  <td style={{ whiteSpace: 'normal' }}>{chinesePart(e.message)}</td>
                  <td>{e.value ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="panel">
        <h2>导入记录</h2>
        <table className="data" data-testid="batch-history">
          <thead>
            <tr>
              <th>批次</th><th>文件</th><th>类型</th><th>状态</th><th className="num">行数</th><th className="num">新增</th><th className="num">更新</th>
              <th className="num">未变</th><th className="num">拒绝</th><th className="num">警告</th><th className="num">冲销</th><th>开始时间</th><th>错误报告</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.id} title={b.message ? chinesePart(b.message) : undefined}>
                <td>{b.id}</td>
                <td>{b.file_name}</td>
                <td>{KIND[b.kind] ?? b.kind}</td>
                <td>{STATUS[b.status] ?? b.status}</td>
                <td className="num">{count(b.rows)}</td>
                <td className="num">{count(b.inserted)}</td>
                <td className="num">{count(b.updated)}</td>
                <td className="num">{count(b.unchanged)}</td>
                <td className="num">{count(b.rejected)}</td>
                <td className="num">{count(b.warnings)}</td>
                <td className="num">{count(b.reversed)}</td>
                <td>{dateTime(b.started_at)}</td>
                <td>{b.rejected + b.warnings > 0 ? <a href={`/api/ingest/${b.id}/errors`}>下载 XLSX</a> : '—'}</td>
              </tr>
            ))}
            {rows.length === 0 && (
              <tr>
                <td colSpan={13}>暂无导入记录</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
    </>
  );
}
