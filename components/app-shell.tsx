import Link from 'next/link';

export const NAV = [
  { href: '/', label: '总览' },
  { href: '/alerts', label: '预警' },
  { href: '/institutions', label: '机构' },
  { href: '/doctors', label: '医师' },
  { href: '/persons', label: '参保人' },
  { href: '/indicators', label: '指标' },
  { href: '/cases', label: '案件' },
  { href: '/import', label: '导入' },
  { href: '/policies', label: '政策' },
] as const;

/** The frame of every signed-in page: brand, navigation, and the user slot on the right. */
export function AppShell({ children, user }: { children: React.ReactNode; user?: React.ReactNode }) {
  return (
    <div className="shell">
      <header className="topbar">
        <Link href="/" className="brand">
          门诊统筹基金监管
        </Link>
        <nav aria-label="主导航">
          {NAV.map((n) => (
            <Link key={n.href} href={n.href} className="nav-link">
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="topbar-user">{user}</div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
