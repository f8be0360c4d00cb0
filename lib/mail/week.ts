/**
 * ISO 8601 weeks (Monday first; week 1 holds the year's first Thursday), computed in Asia/Shanghai.
 * Shanghai has no daylight saving, so a fixed +08:00 offset is exact.
 */
import { InputError } from '../errors';

const OFFSET_MS = 8 * 3600_000;
const DAY_MS = 86_400_000;

export interface IsoWeek {
  /** 2026-W47 */
  key: string;
  year: number;
  week: number;
  /** Monday, YYYY-MM-DD (Shanghai) */
  monday: string;
  /** the next Monday, YYYY-MM-DD: the week is [monday, nextMonday) */
  nextMonday: string;
  /** instants bounding the week */
  start: Date;
  end: Date;
}

const ymd = (utcMs: number) => new Date(utcMs).toISOString().slice(0, 10);

/** Monday (as a UTC-midnight timestamp of the local date) of ISO week `week` of `year`. */
function mondayOf(year: number, week: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const dow = (new Date(jan4).getUTCDay() + 6) % 7; // 0 = Monday
  return jan4 - dow * DAY_MS + (week - 1) * 7 * DAY_MS;
}

function weeksInYear(year: number): number {
  return (mondayOf(year + 1, 1) - mondayOf(year, 1)) / (7 * DAY_MS);
}

function build(year: number, week: number): IsoWeek {
  const mon = mondayOf(year, week);
  return {
    key: `${year}-W${String(week).padStart(2, '0')}`,
    year,
    week,
    monday: ymd(mon),
    nextMonday: ymd(mon + 7 * DAY_MS),
    start: new Date(mon - OFFSET_MS),
    end: new Date(mon + 7 * DAY_MS - OFFSET_MS),
  };
}

/** Parses `YYYY-Www`; a malformed or non-existent week is bad input naming --week. */
export function parseWeek(s: string): IsoWeek {
  const m = /^(\d{4})-W(\d{2})$/.exec(s);
  if (!m) throw new InputError(`--week 应为 ISO 周 YYYY-Www（如 2026-W47）: ${s}`, { field: '--week' });
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (week < 1 || week > weeksInYear(year)) throw new InputError(`${year} 年没有第 ${week} 周: ${s}`, { field: '--week' });
  return build(year, week);
}

/** The ISO week containing the instant `at`, read on a Shanghai wall clock. */
export function weekOf(at: Date): IsoWeek {
  const local = at.getTime() + OFFSET_MS;
  const day = Math.floor(local / DAY_MS) * DAY_MS;
  const dow = (new Date(day).getUTCDay() + 6) % 7;
  const thursday = day + (3 - dow) * DAY_MS;
  const year = new Date(thursday).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY_MS)) + 1;
  return build(year, week);
}

export function previousWeek(w: IsoWeek): IsoWeek {
  return weekOf(new Date(w.start.getTime() - DAY_MS));
}

/** YYYY-MM-DD plus n days. */
export function addDays(date: string, n: number): string {
  return ymd(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS);
}
