import { redirect } from 'next/navigation';
import { getActor } from '@/lib/auth/current';
import { flashFrom } from '@/lib/dashboard/flash';
import { signInAction } from './actions';

export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const sp = await searchParams;
  const one = (k: string) => (typeof sp[k] === 'string' ? sp[k] : '');
  if (await getActor()) redirect('/');
  const error = flashFrom(sp).error;
  return (
    <main className="login-page" style={{ maxWidth: 380, margin: '12vh auto', padding: '0 16px' }}>
      <div className="panel">
        <h1 style={{ marginTop: 0 }}>门诊统筹基金监管</h1>
        <p className="muted">请登录 Sign in</p>
        {error ? (
          <p className="error-box" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <form action={signInAction} style={{ display: 'grid', gap: 12 }}>
          <input type="hidden" name="next" value={one('next')} />
          <label>
            邮箱
            <br />
            <input name="email" type="email" autoComplete="username" required defaultValue={one('email')} style={{ width: '100%' }} />
          </label>
          <label>
            密码
            <br />
            <input name="password" type="password" autoComplete="current-password" required style={{ width: '100%' }} />
          </label>
          <button type="submit">登录</button>
        </form>
      </div>
    </main>
  );
}
