/**
 * `digest --week YYYY-Www [--send] [--json]` — builds the weekly alert e-mail for each subscribed
 * recipient (ISO week in Asia/Shanghai); sends only with --send, through the same exactly-once sent
 * log as the scheduled job. Exit 2 when a mail could not be delivered (it stays 'failed' for a retry).
 */
import { getDb } from '../db/client';
import { InputError } from '../errors';
import { addDays, parseWeek } from '../mail/week';
import { runDigest } from '../mail/run';
import { defaultTransport, previewDir, previewTransport } from '../mail/transport';
import { emit, parse, type Io } from './args';

export async function digestCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { week: { type: 'string' }, send: { type: 'boolean' } });
  if (!values.week) throw new InputError('缺少 --week YYYY-Www（如 2026-W47）', { field: '--week' });
  const week = parseWeek(values.week);
  const db = await getDb();
  const transport = values.send ? defaultTransport() : undefined;
  const preview = values.send ? undefined : previewTransport();
  try {
    const recipients = await runDigest(db, week, { send: Boolean(values.send), transport, preview });
    const tally = (s: string) => recipients.filter((r) => r.status === s).length;
    const doc = {
      week: week.key,
      from: week.monday,
      to: addDays(week.monday, 6),
      send: Boolean(values.send),
      transport: transport?.kind ?? null,
      preview_dir: preview ? previewDir() : null,
      sent: tally('sent'),
      skipped: tally('skipped'),
      failed: tally('failed'),
      unknown: tally('unknown'),
      recipients,
    };
    emit(io, values.json, doc, () =>
      [
        `${week.key}（${doc.from} 至 ${doc.to}）周报：收件人 ${recipients.length} 位，已发送 ${doc.sent}，跳过 ${doc.skipped}，失败 ${doc.failed}${doc.unknown ? `，待确认 ${doc.unknown}` : ''}`,
        ...recipients.map((r) => `  ${r.email}\t${r.status}${r.reason ? `(${r.reason})` : ''}\t${r.subject}${r.error ? `\t${r.error}` : ''}`),
        ...(preview ? [`未发送（加 --send 才发送）；预览邮件 ${recipients.length} 封已写入 ${previewDir()}`] : []),
      ].join('\n'),
    );
    return doc.failed > 0 ? 2 : 0;
  } finally {
    transport?.close();
    preview?.close();
  }
}
