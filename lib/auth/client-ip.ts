/**
 * The client address, decided once per HTTP request from the TCP peer and never from what the client
 * says about itself.
 *
 * Next 16 gives route handlers and server actions no socket: `next start` only fills
 * `x-forwarded-for` with the peer address when the client has not sent one (so a client can name any
 * address it likes). We therefore stamp our own header on the Node request before Next sees it:
 * `installClientIpStamp()` (called from instrumentation.ts, in the server process) subscribes to Node's
 * `http.server.request.start` diagnostics channel, which fires for every request before the server's
 * request listener. It drops a client-supplied `x-ofm-client-ip` and writes the address resolved by
 * `resolveClientIp`: the peer itself, unless the peer is one of `TRUSTED_PROXIES` (lib/env.ts,
 * comma-separated IPs or CIDRs); then the `X-Forwarded-For` chain is walked from the right, skipping
 * trusted proxies, and the first address that is not one is the client. `clientIp()` (current.ts) reads
 * only the stamped header.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Socket } from 'node:net';

export const CLIENT_IP_HEADER = 'x-ofm-client-ip';

export interface TrustedProxies {
  list: net.BlockList;
  entries: string[];
}

/** `::ffff:1.2.3.4` (IPv4 seen on an IPv6 socket) → `1.2.3.4`; anything that is not an address → null. */
export function normaliseIp(raw: string | undefined | null): string | null {
  if (!raw) return null;
  let s = raw.trim();
  if (s.startsWith('[') && s.includes(']')) s = s.slice(1, s.indexOf(']')); // [::1]:port
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':')); // 1.2.3.4:port
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (v4?.[1]) s = v4[1];
  return net.isIP(s) ? s.toLowerCase() : null;
}

/** Parses `TRUSTED_PROXIES`; throws naming the first entry that is not an IP or CIDR. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const list = new net.BlockList();
  const entries = (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const e of entries) {
    const [addr, bits, extra] = e.split('/');
    const ip = normaliseIp(addr);
    const family = ip ? net.isIP(ip) : 0;
    if (!ip || extra !== undefined) throw new Error(`“${e}” 不是 IP 地址或 CIDR`);
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) {
      list.addAddress(ip, type);
      continue;
    }
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!(prefix >= 0 && prefix <= (family === 6 ? 128 : 32))) throw new Error(`“${e}” 的前缀长度无效`);
    list.addSubnet(ip, prefix, type);
  }
  return { list, entries };
}

function isTrusted(ip: string, trusted: TrustedProxies): boolean {
  return trusted.list.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client of one request: the peer, or — only when the peer is a trusted proxy — the right-most
 * `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were written by
 * the client and prove nothing).
 */
export function resolveClientIp(peer: string | undefined | null, forwardedFor: string | string[] | undefined | null, trusted: TrustedProxies): string | null {
  const p = normaliseIp(peer);
  if (!p || !isTrusted(p, trusted)) return p;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '')).split(',').map((h) => h.trim()).filter(Boolean);
  let nearest = p;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normaliseIp(hops[i]);
    if (!hop) return nearest; // a trusted proxy passed on garbage: the last address we can vouch for
    if (!isTrusted(hop, trusted)) return hop;
    nearest = hop;
  }
  return nearest;
}

interface RequestStart {
  request: IncomingMessage;
  socket: Socket;
}

const INSTALLED = Symbol.for('ofm.clientIpStamp');

/** Stamps CLIENT_IP_HEADER on every request this process serves (idempotent; server process only). */
export function installClientIpStamp(trusted: TrustedProxies): void {
  const g = globalThis as { [INSTALLED]?: boolean };
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  diagnosticsChannel.subscribe('http.server.request.start', (message) => {
    const { request, socket } = message as RequestStart;
    delete request.headers[CLIENT_IP_HEADER];
    const ip = resolveClientIp(socket.remoteAddress, request.headers['x-forwarded-for'], trusted);
    if (ip) request.headers[CLIENT_IP_HEADER] = ip;
  });
}
