import Link from 'next/link';
import { ForbiddenPanel } from '@/components/access-panels';
import { requireActor } from '@/lib/auth/current';
import { allowed } from '@/lib/cases/allowed';
import { dateTime } from '@/lib/format';
import { AUTH_CONFIG } from '@/lib/auth/config';
import { ROLE_LABEL, ROLES } from '@/lib/auth/permissions';
import { flashFrom } from '@/lib/dashboard/flash';
import { listUsers } from '@/lib/auth/users';
import { getDb } from '@/lib/db/client';
import { createUserAction, resetPasswordAction, updateUserAction } from './actions';

export const dynamic = 'force-dynamic';

function fmt(d: Date | null): string {
  return d ? dateTime(d) : '';
}

export default async function AdminUsersPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  // A role without the permission gets a Chinese 无权限 page, not the thrown ForbiddenError (which production
  // React shows as "Minified React error #441" when the page is reached by client navigation).
  const actor = await requireActor();
  if (!allowed(actor, 'user.manage')) return <ForbiddenPanel what="管理用户" />;
  const sp = await searchParams;
  const flash = flashFrom(sp);
  const users = await listUsers(await getDb(), actor);
  const now = new Date();
  const roleSelect = (value?: string) => (
    <select name="role" defaultValue={value ?? 'inspector'} aria-label="角色">
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {ROLE_LABEL[r]}
        </option>
      ))}
    </select>
  );
  return (
    <>
      <h1>用户管理</h1>
      <p className="toolbar">
        <Link href="/admin/audit">审计日志 →</Link>
      </p>
      {flash.ok ? <p className="muted" data-testid="admin-ok">{flash.ok}</p> : null}
      {flash.error ? <p className="error-box" role="alert">{flash.error}</p> : null}

      <div className="panel">
        <h2>新建用户</h2>
        <form action={createUserAction} className="toolbar" style={{ flexWrap: 'wrap' }}>
          <input name="email" type="email" placeholder="邮箱" required aria-label="邮箱" />
          <input name="name" placeholder="姓名" required aria-label="姓名" />
          {roleSelect()}
          <input name="regions" placeholder="地区代码，如 140500,360100 或 *" required aria-label="地区" />
          <input name="password" type="password" placeholder={`初始密码（≥${AUTH_CONFIG.passwordMinLength} 位）`} required aria-label="初始密码" autoComplete="new-password" />
          <button type="submit">创建</button>
        </form>
      </div>

      <div className="panel">
        <h2>用户</h2>
        <table className="data" data-testid="users-table">
          <thead>
            <tr>
              <th>邮箱</th>
              <th>姓名 / 角色 / 地区 / 启用</th>
              <th>状态</th>
              <th>重置密码</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>
                  <form action={updateUserAction} className="toolbar" style={{ margin: 0 }}>
                    <input type="hidden" name="userId" value={u.id} />
                    <input name="name" defaultValue={u.name} aria-label="姓名" style={{ width: 110 }} />
                    {roleSelect(u.role)}
                    <input name="regions" defaultValue={u.regions.join(',')} aria-label="地区" style={{ width: 160 }} />
                    <label>
                      <input type="checkbox" name="active" defaultChecked={u.active} /> 启用
                    </label>
                    <button type="submit" className="secondary">
                      保存
                    </button>
                  </form>
                </td>
                <td>
                  {!u.active ? <span className="badge">已停用</span> : null}
                  {u.lockedUntil && u.lockedUntil > now ? <span className="badge high">锁定至 {fmt(u.lockedUntil)}</span> : null}
                </td>
                <td>
                  <form action={resetPasswordAction} className="toolbar" style={{ margin: 0 }}>
                    <input type="hidden" name="userId" value={u.id} />
                    <input name="password" type="password" placeholder="新密码" aria-label="新密码" autoComplete="new-password" style={{ width: 120 }} />
                    <button type="submit" className="secondary">
                      重置
                    </button>
                  </form>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
