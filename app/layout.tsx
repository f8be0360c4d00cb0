import type { Metadata } from 'next';
import { connection } from 'next/server';
import './globals.css';

export const metadata: Metadata = {
  title: '门诊统筹基金监管',
  description: '职工医保普通门诊统筹基金智能监管系统',
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Rendered per request: Next puts the proxy's per-request CSP nonce (proxy.ts) on its scripts only
  // when a page is rendered dynamically; a page prerendered at build time would carry none.
  await connection();
  return (
    <html lang="zh-CN">
      <body>{children}</body>
    </html>
  );
}
