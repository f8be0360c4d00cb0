import './dashboard.css';

/** Empty and loading states shared by the dashboard pages (server-renderable). */
export function Empty({ children }: { children?: React.ReactNode }) {
  return <div className="empty" data-testid="empty">{children ?? '暂无数据'}</div>;
}

export function LoadingPanel({ title }: { title?: string }) {
  return (
    <div aria-busy="true" role="status" data-testid="loading">
      {title ? <h1>{title}</h1> : null}
      <div className="grid grid-4">
        {[0, 1, 2, 3].map((i) => (
          <div key={i} className="panel kpi skeleton" />
        ))}
      </div>
      <div className="panel skeleton" style={{ height: 240 }} />
      <div className="panel skeleton" style={{ height: 320 }} />
      <span className="muted">加载中…</span>
    </div>
  );
}
