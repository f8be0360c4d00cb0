import Link from 'next/link';

/** Any address that matches no page (and notFound() outside a section with its own page): in Chinese, not Next's English 404. */
export default function NotFound() {
  return (
    <main style={{ maxWidth: 560, margin: '12vh auto', padding: '0 24px', fontFamily: "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif" }} data-testid="not-found">
      <h1 style={{ fontSize: 22 }}>页面不存在或无权限访问</h1>
      <p style={{ color: '#57606a', lineHeight: 1.7 }}>您访问的地址不存在，或您没有查看它的权限。请检查链接是否完整；如需其他统筹区或功能的权限，请联系系统管理员。</p>
      <p>
        <Link href="/">返回门诊统筹基金监管首页</Link>
      </p>
    </main>
  );
}
