'use client';
/**
 * The body of every dashboard error.tsx: what failed, in Chinese, and a retry. A message is shown only when it is
 * written for people (Chinese, not React's or Next's developer text such as "Minified React error #441").
 */
const HAN = /[\u4e00-\u9fff]/;
const DEVELOPER = /Minified React error|react\.dev\/errors|Server Components render|digest|NEXT_/i;

export function userMessage(error: { message?: string; digest?: string }): string {
  const m = error.message ?? '';
  if (!error.digest && m && HAN.test(m) && !DEVELOPER.test(m)) return m;
  return '服务器处理请求时出错，请稍后重试。';
}

export function ErrorPanel({ error, reset, title }: { error: Error & { digest?: string }; reset: () => void; title?: string }) {
  return (
    <div className="error-box" role="alert" data-testid="error">
      <strong>{title ?? '页面加载失败'}</strong>
      <p>
        {userMessage(error)}
        {error.digest ? `（错误编号 ${error.digest}）` : ''}
      </p>
      <button type="button" onClick={reset}>
        重试
      </button>
    </div>
  );
}
