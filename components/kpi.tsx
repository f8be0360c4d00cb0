import './dashboard.css';

/** One key figure with its change against the period before. */
export function Kpi({ label, value, change, testId, hint }: { label: string; value: string; change?: { text: string; up: boolean | null }; testId?: string; hint?: string }) {
  return (
    <div className="panel kpi" title={hint}>
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
      {change ? (
        <div className={`change ${change.up === null ? '' : change.up ? 'up' : 'down'}`}>
          较上期 {change.text}
        </div>
      ) : null}
    </div>
  );
}
