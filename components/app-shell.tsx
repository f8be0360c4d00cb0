import Link from 'next/link';
import { signOutAction } from '@/app/login/actions';
import { can, ROLE_LABEL } from '@/lib/auth/permissions';
import type { Actor, Role } from '@/lib/db/scoped';

export const NAV = [
  { href: '/', label: '总览' },
  { href: '/alerts', label: '预警' },
  { href: '/institutions', label: '机构' },
  { href: '/doctors', label: '医师' },
  { href: '/persons', label: '参保人' },
  { href: '/indicators', label: '指标' },
  { href: '/rules', label: '规则' },
  { href: '/cases', label: '案件' },
  { href: '/realtime', label: '事前事中' },
  { href: '/import', label: '导入' },
  { href: '/policies', label: '政策' },
] as const;

/** The frame of every signed-in page: brand, navigation, and the signed-in user on the right. */
export function AppShell({ children, actor }: { children: React.ReactNode; actor?: Actor & { email?: string } }) {
  const roleLabel = actor && actor.role !== 'system' ? ROLE_LABEL[actor.role as Role] : '';
  const regions = actor ? (actor.regions.includes('*') ? '全部地区' : actor.regions.join('、')) : '';
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
          {can(actor, 'user.manage') ? (
            <Link href="/admin" className="nav-link">
              管理
            </Link>
          ) : null}
        </nav>
        {actor ? (
          <div className="topbar-user" data-testid="current-user">
            <span title={actor.email}>
              {actor.name} · {roleLabel} · {regions}
            </span>{' '}
            <Link href="/settings">周报订阅</Link>{' '}
            <Link href="/account">修改密码</Link>{' '}
            <form action={signOutAction} style={{ display: 'inline' }}>
              <button type="submit" className="secondary">
                退出
              </button>
            </form>
          </div>
        ) : null}
      </header>
      <main className="content">{children}</main>
    </div>
  );
}
