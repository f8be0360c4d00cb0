import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { UploadBox } from './upload-box';

export const dynamic = 'force-dynamic';

const STATUS: Record<string, string> = { running: '进行中', done: '完成', rejected: '严格模式未导入', failed: '失败' };
const KIND: Record<string, string> = { settlements: '结算', details: '费用明细', institutions: '机构', doctors: '医师', persons: '参保人', unknown: '—' };

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
  const fmt = (d: Date) => d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });
  return (
    <>
      <h1>导入</h1>
      <UploadBox />
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
              <tr key={b.id} title={b.message ?? undefined}>
                <td>{b.id}</td>
                <td>{b.file_name}</td>
                <td>{KIND[b.kind] ?? b.kind}</td>
                <td>{STATUS[b.status] ?? b.status}</td>
                <td className="num">{b.rows.toLocaleString('zh-CN')}</td>
                <td className="num">{b.inserted.toLocaleString('zh-CN')}</td>
                <td className="num">{b.updated.toLocaleString('zh-CN')}</td>
                <td className="num">{b.unchanged.toLocaleString('zh-CN')}</td>
                <td className="num">{b.rejected.toLocaleString('zh-CN')}</td>
                <td className="num">{b.warnings.toLocaleString('zh-CN')}</td>
                <td className="num">{b.reversed.toLocaleString('zh-CN')}</td>
                <td>{fmt(b.started_at)}</td>
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
