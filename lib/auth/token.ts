import { createHash } from 'node:crypto';

/** SHA-256 of a session token, hex: what the sessions table stores instead of the token. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
