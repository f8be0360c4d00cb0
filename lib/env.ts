import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseTrustedProxies } from './auth/client-ip';

/** The process environment, validated once. A bad value stops start-up with a message naming the variable. */
const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SMTP_URL: z.string().url().optional(),
  /** The public address of the web app, for links in mail (https://ofm.example.gov.cn). */
  APP_URL: z
    .string()
    .url()
    .refine((u) => /^https?:\/\//.test(u), '应以 http:// 或 https:// 开头')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /** Database role the web app and CLI act as (RLS applies to it); the owner role runs migrations. */
  APP_DB_ROLE: z.string().regex(/^[a-z_][a-z0-9_]*$/).default('ofm_app'),
  /**
   * Earliest settlement date an ingest accepts (YYYY-MM-DD, Asia/Shanghai). Unset: the earliest effective_from of the
   * regional policies in policies/ (no settlement before it can be adjudicated; lib/ingest/date-window.ts).
   */
  INGEST_MIN_DATE: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, '应为 YYYY-MM-DD')
    .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), '不是有效日期')
    .optional(),
  /** Days after today (Asia/Shanghai) a settlement may be dated; a later one is a row error. */
  INGEST_MAX_DAYS_AHEAD: z.coerce.number().int().min(0).max(366).default(1),
  /**
   * Reverse proxies whose X-Forwarded-For is believed (comma-separated IPs or CIDRs, e.g.
   * `10.0.0.5,192.168.1.0/24`). Empty: the client address is the TCP peer (lib/auth/client-ip.ts).
   */
  TRUSTED_PROXIES: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      try {
        parseTrustedProxies(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = envSchema.safeParse({
    DATABASE_URL: process.env.DATABASE_URL || undefined,
    DATA_DIR: process.env.DATA_DIR || undefined,
    PORT: process.env.PORT || undefined,
    SMTP_URL: process.env.SMTP_URL || undefined,
    APP_URL: process.env.APP_URL || undefined,
    APP_DB_ROLE: process.env.APP_DB_ROLE || undefined,
    INGEST_MIN_DATE: process.env.INGEST_MIN_DATE || undefined,
    INGEST_MAX_DAYS_AHEAD: process.env.INGEST_MAX_DAYS_AHEAD || undefined,
    TRUSTED_PROXIES: process.env.TRUSTED_PROXIES || undefined,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') ?? '?';
    throw new Error(`环境变量 ${field} 无效 (invalid environment variable ${field}): ${issue?.message ?? ''}`);
  }
  cached = parsed.data;
  return cached;
}

export function dataDir(): string {
  return path.resolve(env().DATA_DIR);
}

/** Where `npm start` records the address it serves on, so the CLI (another process, maybe without PORT) links there too. */
export function servedUrlFile(): string {
  return path.join(dataDir(), 'app-url.json');
}

/**
 * The public address for links (mail): APP_URL when configured; else the address the app started on this DATA_DIR
 * serves (recorded by scripts/start.ts); else http://localhost:PORT.
 */
export function appUrl(): string {
  const configured = env().APP_URL;
  if (configured) return configured;
  try {
    const served = JSON.parse(fs.readFileSync(/*turbopackIgnore: true*/ servedUrlFile(), 'utf8')) as { url?: unknown };
    if (typeof served.url === 'string' && /^https?:\/\/[^\s]+$/.test(served.url)) return served.url;
  } catch {
    // no app started on this data directory yet
  }
  return `http://localhost:${env().PORT}`;
}

/** Test hook: the next env() call reads process.env again. */
export function resetEnvCache(): void {
  cached = undefined;
}
