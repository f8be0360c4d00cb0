/**
 * Mail settings from the environment (validated here, not in lib/env.ts, which the foundation owns).
 * DIGEST_CRON / DIGEST_TZ: when the weekly digest goes out (default Monday 08:00 Asia/Shanghai).
 * MAIL_FROM: the sender. MAIL_STALE_MINUTES: how long a claimed ('sending') row may stay before it
 * is judged a crash (see README.md).
 */
import { z } from 'zod';

const schema = z.object({
  DIGEST_CRON: z
    .string()
    .regex(/^\S+( \S+){4}$/, '应为 5 段 cron 表达式 (five-field cron expression)')
    .default('0 8 * * 1'),
  DIGEST_TZ: z.string().min(1).default('Asia/Shanghai'),
  MAIL_FROM: z.string().min(3).default('门诊统筹基金监管 <noreply@ofm.local>'),
  MAIL_STALE_MINUTES: z.coerce.number().min(0).default(15),
});

export type MailConfig = z.infer<typeof schema>;

export function mailConfig(): MailConfig {
  const parsed = schema.safeParse({
    DIGEST_CRON: process.env.DIGEST_CRON || undefined,
    DIGEST_TZ: process.env.DIGEST_TZ || undefined,
    MAIL_FROM: process.env.MAIL_FROM || undefined,
    MAIL_STALE_MINUTES: process.env.MAIL_STALE_MINUTES || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`环境变量 ${issue?.path.join('.') ?? '?'} 无效: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}
