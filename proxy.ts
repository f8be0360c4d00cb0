/**
 * First gate (Next 16 proxy, formerly middleware): a request without a session cookie goes to /login
 * (pages) or gets 401 JSON (API). It checks only that the cookie is present — the session itself is
 * verified against the database by getActor()/requireActor() in every page, action and route.
 */
import { NextResponse, type NextRequest } from 'next/server';

const SESSION_COOKIE = 'ofm_session'; // = lib/auth/current.ts SESSION_COOKIE (kept import-free for the proxy)

const PUBLIC = [/^\/login(\/|$)/, /^\/api\/health(\/|$)/];

export function proxy(req: NextRequest) {
  const { pathname, search } = req.nextUrl;
  if (PUBLIC.some((p) => p.test(pathname))) return NextResponse.next();
  if (req.cookies.get(SESSION_COOKIE)?.value) return NextResponse.next();
  if (pathname.startsWith('/api/')) {
    return NextResponse.json({ error: '未登录 (authentication required)' }, { status: 401 });
  }
  const url = req.nextUrl.clone();
  url.pathname = '/login';
  url.search = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  // Static assets and Next internals pass untouched. So does the upload (POST /api/ingest, which checks the session
  // itself): Next hands a proxy a copy of the body and holds the original in memory, cut at 10 MB
  // (proxyClientMaxBodySize), so an upload through the proxy arrives truncated — or, raised, buffered whole.
  matcher: ['/((?!_next/static|_next/image|favicon.ico|robots.txt|api/ingest/?$).*)'],
};
