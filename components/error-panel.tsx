'use client';
/** The body of every dashboard error.tsx: what failed, in Chinese, and a retry. */
export function ErrorPanel({ error, reset, title }: { error: Error & { digest?: string }; reset: () => void; title?: string }) {
  return (
    <div className="error-box" role="alert" data-testid="error">
      <strong>{title ?? '页面加载失败'}</strong>
      <p>{error.message && !error.digest ? error.message : '服务器处理请求时出错，请稍后重试。'}{error.digest ? `（错误编号 ${error.digest}）` : ''}</p>
      <button type="button" onClick={reset}>
        重试
      </button>
    </div>
  );
}
