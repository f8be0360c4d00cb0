import { requireActor } from '@/lib/auth/current';
import { AUTH_CONFIG } from '@/lib/auth/config';
import { ROLE_LABEL } from '@/lib/auth/permissions';
import { visibleCounts } from '@/lib/auth/visible';
import { flashFrom } from '@/lib/dashboard/flash';
import { getDb } from '@/lib/db/client';
import { changePasswordAction } from './actions';

export const dynamic = 'force-dynamic';

export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const actor = await requireActor();
  const sp = await searchParams;
  const flash = flashFrom(sp);
  const seen = await visibleCounts(await getDb(), actor);
  return (
    <>
      <h1>账户与密码</h1>
      <div className="panel">
        <h2>我可见的数据</h2>
        <p className="muted">按您的地区由数据库行级安全策略限定。</p>
        <table className="data" data-testid="visible-counts">
          <tbody>
            <tr><th>结算笔数</th><td className="num" data-testid="visible-settlements">{seen.settlements}</td></tr>
            <tr><th>参保人</th><td className="num" data-testid="visible-persons">{seen.persons}</td></tr>
            <tr><th>定点机构</th><td className="num">{seen.institutions}</td></tr>
            <tr><th>预警</th><td className="num">{seen.alerts}</td></tr>
            <tr><th>案件</th><td className="num">{seen.cases}</td></tr>
          </tbody>
        </table>
      </div>
      <h2>修改密码</h2>
      <div className="panel" style={{ maxWidth: 480 }}>
        <dl className="kv">
          <dt>用户</dt>
          <dd>{actor.name}（{actor.email}）</dd>
          <dt>角色</dt>
          <dd>{ROLE_LABEL[actor.role]}</dd>
          <dt>地区</dt>
          <dd>{actor.regions.includes('*') ? '全部地区' : actor.regions.join('、')}</dd>
        </dl>
        {flash.ok ? <p className="muted" data-testid="password-ok">{flash.ok}</p> : null}
        {flash.error ? <p className="error-box" role="alert">{flash.error}</p> : null}
        <form action={changePasswordAction} style={{ display: 'grid', gap: 12 }}>
          <label>
            当前密码
            <br />
            <input name="current" type="password" autoComplete="current-password" required />
          </label>
          <label>
            新密码（至少 {AUTH_CONFIG.passwordMinLength} 位，含字母和数字）
            <br />
            <input name="next" type="password" autoComplete="new-password" required minLength={AUTH_CONFIG.passwordMinLength} />
          </label>
          <label>
            确认新密码
            <br />
            <input name="confirm" type="password" autoComplete="new-password" required />
          </label>
          <button type="submit">保存</button>
        </form>
      </div>
    </>
  );
}
