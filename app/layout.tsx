import type { Metadata } from 'next';
import './globals.css';

export const metadata: Metadata = {
  title: '门诊统筹基金监管',
  description: '职工医保普通门诊统筹基金智能监管系统',
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="zh-CN">
      <body>{children}</body>
    </html>
  );
}
