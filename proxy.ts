/**
 * First gate (Next 16 proxy, formerly middleware), for every request but static assets:
 *
 * 1. Cross-origin writes are refused (403) before anything else: every request that is not
 *    GET/HEAD/OPTIONS — route handlers under /api and server actions (POSTs to page paths) alike —
 *    must come from this origin. A browser says where a request comes from: `Sec-Fetch-Site` must be
 *    `same-origin` (a page on localhost:9999 is `same-site`, not `same-origin`), and `Origin`, when
 *    sent, must be this host (the Host header, or APP_URL's host behind a proxy). A request with
 *    neither header is not from a browser (a script holding a session) and passes on to the checks
 *    of its route.
 * 2. Writes to /api must declare their body: application/json, except the upload
 *    (/api/ingest: application/octet-stream or a data file's own type). text/plain and form bodies —
 *    what another site can send without a CORS preflight — are refused with 415.
 * 3. A request without a session cookie goes to /login (pages) or gets 401 JSON (API). Only the
 *    cookie's presence is checked here; getActor()/requireActor() verify the session in every page,
 *    action and route.
 * 4. Query parameters the database cannot take are stopped here, for every route at once: a NUL
 *    character (Postgres text refuses it) in any parameter, or a paging/count parameter (page, size,
 *    pageSize, min, user) that is not a whole number below 10⁹ (1e20 overflowed the SQL offset). API
 *    routes answer 400 naming the parameter; a page is redirected to the same URL without it, so it
 *    renders with the bad parameter ignored.
 * 5. Pages get a Content-Security-Policy with a fresh nonce per request (no 'unsafe-inline' scripts):
 *    Next reads the nonce from the request's CSP header and puts it on its own scripts; the root
 *    layout is rendered per request (app/layout.tsx) so every page carries the nonce.
 */
import { NextResponse, type NextRequest } from 'next/server';
import { CROSS_ORIGIN_MESSAGE, crossOriginReason, mediaType, UPLOAD_TYPE_MESSAGE, UPLOAD_TYPES } from './lib/http/request-gate';

const SESSION_COOKIE = 'ofm_session'; // = lib/auth/current.ts SESSION_COOKIE (kept import-free for the proxy)

const PUBLIC = [/^\/login(\/|$)/, /^\/api\/health(\/|$)/];
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
function contentSecurityPolicy(nonce: string): string {
  const dev = process.env.NODE_ENV !== 'production';
  return [
    "default-src 'self'",
    // 'strict-dynamic': the chunks Next's nonce'd bootstrap loads are trusted through it; no eval except
    // in `next dev` (React refresh needs it)
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ''}`,
    // inline style attributes stay allowed (React style props; a nonce cannot cover attributes)
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Whole-number URL parameters of the app's lists (paging, minimum counts, a user id). */
const INTEGER_PARAMS = new Set(['page', 'size', 'pageSize', 'min', 'user']);

/** The query parameters that would reach the database as something it refuses. */
function badParams(params: URLSearchParams): string[] {
  const bad = new Set<string>();
  for (const [k, v] of params) {
    if (k.includes('\0') || v.includes('\0')) bad.add(k);
    else if (INTEGER_PARAMS.has(k) && v !== '' && !/^\d{1,9}$/.test(v.trim())) bad.add(k);
  }
  return [...bad];
}

function refuse(status: number, error: string): NextResponse {
  return NextResponse.json({ error }, { status, headers: { 'Cache-Control': 'no-store' } });
}

export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  const api = pathname.startsWith('/api/');

  if (/%00/i.test(pathname) || pathname.includes('\0')) {
    if (api) return refuse(400, '请求地址含有非法字符');
    return new NextResponse('请求地址含有非法字符', { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } });
  }
  const bad = badParams(req.nextUrl.searchParams);
  if (bad.length) {
    const shown = bad.map((k) => k.replace(/[^\w.-]/g, '?').slice(0, 40)).join('、');
    if (api || !SAFE_METHODS.has(req.method)) return refuse(400, `请求参数 ${shown} 无效：含有非法字符或超出范围`);
    const url = req.nextUrl.clone();
    for (const k of bad) url.searchParams.delete(k);
    return NextResponse.redirect(url);
  }

  if (!SAFE_METHODS.has(req.method)) {
    if (crossOriginReason(req.headers)) return refuse(403, CROSS_ORIGIN_MESSAGE);
    if (api) {
      const type = mediaType(req.headers);
      const ok = pathname === '/api/ingest' ? UPLOAD_TYPES.has(type) : type === 'application/json';
      if (!ok) {
        return refuse(415, pathname === '/api/ingest' ? UPLOAD_TYPE_MESSAGE : '请求体应为 JSON（Content-Type: application/json）');
      }
    }
  }

  if (!PUBLIC.some((p) => p.test(pathname)) && !req.cookies.get(SESSION_COOKIE)?.value) {
    if (api) return refuse(401, '未登录 (authentication required)');
    const url = req.nextUrl.clone();
    url.pathname = '/login';
    url.search = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + search)}`;
    return NextResponse.redirect(url);
  }

  if (api) return NextResponse.next();
  const nonce = Buffer.from(crypto.randomUUID()).toString('base64');
  const csp = contentSecurityPolicy(nonce);
  const headers = new Headers(req.headers);
  headers.set('x-nonce', nonce);
  headers.set('content-security-policy', csp);
  const res = NextResponse.next({ request: { headers } });
  res.headers.set('Content-Security-Policy', csp);
  return res;
}

export const config = {
  // Static assets and Next internals pass untouched. So does the upload (POST /api/ingest, which checks the session
  // itself): Next hands a proxy a copy of the body and holds the original in memory, cut at 10 MB
  // (proxyClientMaxBodySize), so an upload through the proxy arrives truncated — or, raised, buffered whole.
  // The NHSA real-time check (POST /api/nhsa/3101|3102|3103) passes too: its callers are the institutions' systems with
  // a Bearer key, not browsers with a session, and it answers every refusal in the national format (infcode -1); the
  // route checks the key before anything else (lib/realtime/handler.ts).
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt|api/ingest/?$|api/nhsa/310[123]/?$).*)'],
};
