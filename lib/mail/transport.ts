/**
 * Where mail goes: SMTP when SMTP_URL is set, otherwise one .eml file per message in DATA_DIR/outbox.
 * The outbox file name is derived from the deterministic Message-ID and written atomically
 * (temp file + rename), so "the file exists" means "the mail was sent" — delivery can be checked
 * after a crash (see README.md). SMTP offers no such check.
 */
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { dataDir, env } from '../env';

export interface Transport {
  kind: 'smtp' | 'outbox';
  send(msg: Mail.Options & { messageId: string }): Promise<void>;
  /** outbox only: whether the message with this Message-ID was already written */
  delivered?(messageId: string): boolean;
  close(): void;
}

export function outboxDir(): string {
  return path.join(dataDir(), 'outbox');
}

/** Where `digest` without --send writes what it would send: apart from the outbox, so a preview is never taken for a sent mail. */
export function previewDir(): string {
  return path.join(outboxDir(), 'preview');
}

export function previewTransport(dir = previewDir()): Transport & { fileFor(messageId: string): string } {
  return { ...outboxTransport(dir), fileFor: (messageId) => outboxFile(dir, messageId) };
}

export function outboxFile(dir: string, messageId: string): string {
  return path.join(dir, `${messageId.replace(/[<>]/g, '').replace(/[^A-Za-z0-9._-]/g, '_')}.eml`);
}

export function smtpTransport(url: string): Transport {
  const options: SMTPTransport.Options = { url, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000 };
  const t = nodemailer.createTransport(options);
  return {
    kind: 'smtp',
    async send(msg) {
      await t.sendMail(msg);
    },
    close: () => t.close(),
  };
}

export function outboxTransport(dir: string): Transport {
  const t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'windows' });
  return {
    kind: 'outbox',
    async send(msg) {
      const info = await t.sendMail(msg);
      if (!Buffer.isBuffer(info.message)) throw new Error('outbox: expected a buffered message');
      fs.mkdirSync(dir, { recursive: true });
      const file = outboxFile(dir, msg.messageId);
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, info.message);
      fs.renameSync(tmp, file);
    },
    delivered: (messageId) => fs.existsSync(outboxFile(dir, messageId)),
    close: () => t.close(),
  };
}

/** SMTP_URL → SMTP, else the outbox under DATA_DIR. */
export function defaultTransport(): Transport {
  const url = env().SMTP_URL;
  return url ? smtpTransport(url) : outboxTransport(outboxDir());
}
