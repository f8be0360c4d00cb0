'use client';
/** The admin's 采用 form under a back-test of one region: effective month, reason, and whether to recompute now. */
import { useActionState } from 'react';
import { adoptAction, type AdoptState } from './actions';

export function AdoptForm({ rule, region, regionName, from, to, set, changes, defaultMonth }: {
  rule: string;
  region: string;
  regionName: string;
  from?: string;
  to?: string;
  set: Record<string, number>;
  /** "普通处方提醒天数 7 → 10" lines */
  changes: string[];
  defaultMonth: string;
}) {
  const [state, action, pending] = useActionState<AdoptState, FormData>(adoptAction, null);
  return (
    <form action={action} data-testid="adopt-form">
      <input type="hidden" name="rule" value={rule} />
      <input type="hidden" name="region" value={region} />
      <input type="hidden" name="from" value={from ?? ''} />
      <input type="hidden" name="to" value={to ?? ''} />
      <input type="hidden" name="set" value={JSON.stringify(set)} />
      <p>
        为 <strong>{regionName}</strong> 采用：{changes.join('；')}。生效月份起的预警按新阈值判断，此前的预警保留原版本。
      </p>
      <div className="toolbar">
        <label className="field">
          <span className="muted">生效月份</span>
          <input type="month" name="month" defaultValue={defaultMonth} required aria-label="生效月份" />
        </label>
        <label className="field">
          <input type="checkbox" name="recompute" defaultChecked /> 采用后立即重算该地区自生效月起的预警
        </label>
      </div>
      <label className="field" style={{ display: 'block' }}>
        <span className="muted">采用理由（记入审计日志）</span>
        <textarea name="reason" rows={3} style={{ width: '100%' }} required aria-label="采用理由" />
      </label>
      <div className="toolbar">
        <button type="submit" disabled={pending}>
          {pending ? '正在采用…' : '采用新阈值'}
        </button>
        {state ? (
          <span role="alert" className="error-box" data-testid="adopt-error">
            {state.error}
          </span>
        ) : null}
      </div>
    </form>
  );
}
