import Link from 'next/link';
import './dashboard.css';

/**
 * What a user sees for a thing that is missing or outside their regions (the two are not told apart, so an id
 * from another region reveals nothing) and for a page their role may not open. Chinese only; no codes.
 */
export function NotFoundPanel({ what = '页面', back = { href: '/', label: '返回首页' } }: { what?: string; back?: { href: string; label: string } }) {
  return (
    <div className="panel" data-testid="not-found">
      <h1>{what}不存在或无权限查看</h1>
      <p className="muted">
        您要找的{what}不存在，或不在您有权查看的统筹区内。请检查链接或编号；如需访问其他统筹区的数据，请联系系统管理员。
      </p>
      <p>
        <Link href={back.href}>{back.label}</Link>
      </p>
    </div>
  );
}

export function ForbiddenPanel({ what }: { what: string }) {
  return (
    <div className="panel" data-testid="forbidden" role="alert">
      <h1>无权限</h1>
      <p className="muted">您的角色无权{what}。如需此权限，请联系系统管理员。</p>
      <p>
        <Link href="/">返回首页</Link>
      </p>
    </div>
  );
}
