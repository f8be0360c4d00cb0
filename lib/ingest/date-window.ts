/**
 * The settlement dates an ingest accepts. Every month a settlement falls in gets its own partitions, so a stray
 * 1900-01-01 or 2099-12-31 would make thousands of them (issue 24): outside the window a row is an error.
 * From: INGEST_MIN_DATE, else the earliest effective_from of the regional policies in policies/ (before it no policy
 * can adjudicate a visit). To: today in Asia/Shanghai plus INGEST_MAX_DAYS_AHEAD days (default 1), both ends inclusive.
 */
import { env } from '../env';
import { loadPolicies } from '../policies';

export interface DateWindow {
  /** first accepted local date, YYYY-MM-DD */
  from: string;
  /** last accepted local date, YYYY-MM-DD */
  to: string;
  /** today in Asia/Shanghai, YYYY-MM-DD (the latest birth date) */
  today: string;
  /** above every local 'YYYY-MM-DD HH:mm:ss…' text of the last date: the bound such a text is compared with */
  toEnd: string;
}

const DAY_MS = 86_400_000;
/** Asia/Shanghai is UTC+8 all year (no daylight saving) */
const SHANGHAI_MS = 8 * 3_600_000;
const localDate = (ms: number) => new Date(ms + SHANGHAI_MS).toISOString().slice(0, 10);

let from: string | undefined;
let current: { window: DateWindow; until: number } | undefined;

function earliestFrom(): string {
  const configured = env().INGEST_MIN_DATE;
  if (configured) return configured;
  const dates = loadPolicies().policies.map((p) => p.effective_from).sort();
  const first = dates[0];
  if (!first) throw new Error('policies/ 中没有地区政策，无法确定可导入的结算日期范围 (no regional policy in policies/)');
  return first;
}

/** The window now (recomputed each minute, so a server running past midnight moves with the date). */
export function ingestWindow(now = Date.now()): DateWindow {
  if (current && now < current.until) return current.window;
  from ??= earliestFrom();
  const to = localDate(now + env().INGEST_MAX_DAYS_AHEAD * DAY_MS);
  const window = { from, to, today: localDate(now), toEnd: `${to}\uffff` };
  current = { window, until: now + 60_000 };
  return window;
}
