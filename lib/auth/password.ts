/**
 * Password hashing: argon2id (the @node-rs/argon2 default, m=19456 KiB, t=2, p=1 — the OWASP
 * recommended minimum). The hash string carries its own parameters, so they can be raised later.
 */
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { AUTH_CONFIG } from './config';

export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  if (!stored.startsWith('$argon2')) return false;
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

// Spent on unknown accounts so that a wrong e-mail takes as long as a wrong password.
let dummy: Promise<string> | undefined;
export async function burnVerify(password: string): Promise<void> {
  dummy ??= hash('not-a-real-password-1234');
  await verifyPassword(await dummy, password);
}

export const newPasswordSchema = z
  .string()
  .min(AUTH_CONFIG.passwordMinLength, `密码至少 ${AUTH_CONFIG.passwordMinLength} 位 (at least ${AUTH_CONFIG.passwordMinLength} characters)`)
  .max(AUTH_CONFIG.passwordMaxLength, `密码最多 ${AUTH_CONFIG.passwordMaxLength} 位`)
  .refine((p) => /[A-Za-z]/.test(p) && /[0-9]/.test(p), '密码须同时包含字母和数字 (letters and digits)');
