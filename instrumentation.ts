/**
 * Runs once when the Next server process starts. Installs the client-address stamp
 * (lib/auth/client-ip.ts): route handlers and server actions get no socket from Next, so the address
 * the sign-in limit and the audit log use is decided here from the TCP peer and TRUSTED_PROXIES.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { env } = await import('./lib/env');
  const { installClientIpStamp, parseTrustedProxies } = await import('./lib/auth/client-ip');
  installClientIpStamp(parseTrustedProxies(env().TRUSTED_PROXIES));
}
