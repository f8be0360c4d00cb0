/**
 * The same-origin and body-type checks of a state-changing request, shared by proxy.ts (every route it matches) and
 * the upload route, which the proxy does not see (its body must stream, proxy.ts `config.matcher`). Pure functions of
 * the request headers: no Node or database imports, so the proxy can use them.
 */

/** Body types an upload may declare (the upload box sends application/octet-stream). */
export const UPLOAD_TYPES: ReadonlySet<string> = new Set([
  'application/octet-stream',
  'text/csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-excel',
  'application/x-ndjson',
  'application/json',
]);

function ownHosts(headers: Headers): Set<string> {
  const hosts = new Set<string>();
  const host = headers.get('host');
  if (host) hosts.add(host.toLowerCase());
  const app = process.env.APP_URL;
  if (app) {
    try {
      hosts.add(new URL(app).host.toLowerCase());
    } catch {
      // lib/env.ts refuses a malformed APP_URL at start-up
    }
  }
  return hosts;
}

/**
 * Why a state-changing request is refused as cross-origin, or null when it may proceed. A browser says where a request
 * comes from: `Sec-Fetch-Site` must be `same-origin` (a page on localhost:9999 is `same-site`), and `Origin`, when sent,
 * must be this host (Host, or APP_URL's host behind a proxy). Neither header: not a browser; the route's own checks apply.
 */
export function crossOriginReason(headers: Headers): string | null {
  const site = headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin') return `sec-fetch-site=${site}`;
  const origin = headers.get('origin');
  if (origin === null) return null;
  let host: string;
  try {
    host = new URL(origin).host.toLowerCase();
  } catch {
    return `origin=${origin.slice(0, 100)}`; // includes the opaque origin "null"
  }
  return ownHosts(headers).has(host) ? null : `origin=${origin.slice(0, 100)}`;
}

/** The media type of the body without its parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaType(headers: Headers): string {
  return (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export const CROSS_ORIGIN_MESSAGE = '拒绝跨站请求：请从本系统页面操作';
export const UPLOAD_TYPE_MESSAGE = '上传类型无效：请求体应为文件（application/octet-stream）';
