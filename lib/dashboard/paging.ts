/**
 * Paging shared by every list page (预警, 案件, 机构/医师/参保人, 审计日志): a page number from the URL is kept
 * within 1…last, so "?page=999" shows the last page ("第 2/2 页"), never "第 999/2 页" with no rows.
 */

/** The number of pages for `total` rows (at least 1, an empty list has one empty page). */
export function lastPage(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(Math.max(0, total) / Math.max(1, pageSize)));
}

/** A requested page (any number, NaN, negative) as a page that exists. */
export function clampPage(page: number, total: number, pageSize: number): number {
  const p = Number.isFinite(page) ? Math.floor(page) : 1;
  return Math.min(Math.max(1, p), lastPage(total, pageSize));
}

/**
 * Loads `page`; when it lies past the last page, loads the last page instead. `load` returns the rows and the
 * total of the whole list. A list whose total comes from the page's own rows (a window count) reports 0 past
 * the end, hence the second look from page 1.
 */
export async function loadClampedPage<T extends { total: number }>(page: number, pageSize: number, load: (page: number) => Promise<T>): Promise<T & { page: number }> {
  const want = Number.isFinite(page) && page >= 1 ? Math.floor(page) : 1;
  let r = await load(want);
  if (want <= lastPage(r.total, pageSize)) return { ...r, page: want };
  if (r.total === 0 && want > 1) r = await load(1);
  const last = lastPage(r.total, pageSize);
  if (last === 1) return { ...r, page: 1 };
  return { ...(await load(last)), page: last };
}
