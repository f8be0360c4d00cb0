/**
 * Sign-in and session parameters, in one place. These are security settings of this system, not
 * policy numbers (those live in policies/).
 */
export const AUTH_CONFIG = {
  /** a session lasts this long after sign-in (no sliding renewal: sign in again after a work day) */
  sessionTtlMs: 12 * 60 * 60 * 1000,
  /** per account: this many wrong passwords in a row lock the account … */
  maxFailedLogins: 5,
  /** … for this long */
  lockoutMs: 15 * 60 * 1000,
  /** per client IP: at most this many failed sign-ins (any account) within the window */
  ipMaxFailures: 20,
  ipWindowMs: 15 * 60 * 1000,
  /** new passwords: at least this many characters, at most (argon2 input stays small) */
  passwordMinLength: 10,
  passwordMaxLength: 128,
} as const;
