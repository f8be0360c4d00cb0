'use client';
/**
 * Assign (to users who can see the alerts), confirm (with an opinion), dismiss (reason from the list + text),
 * withdraw a verdict (撤销), and open a case — for one alert or a selection. The result lists how many
 * alerts changed and, for the others, why not.
 */
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { DISMISS_REASONS } from '@/lib/alerts/verdict-reasons';
import { openCase } from '@/lib/cases/open-case';
import { alertAction, type ActionResult } from './actions';

type Mode = 'none' | 'confirm' | 'dismiss' | 'reopen' | 'case';

export interface AssigneeOption {
  id: number;
  name: string;
  regions: string[];
}

export function AlertActions({
  ids,
  regions,
  users,
  canCase,
  canReopen = true,
  canVerdict = true,
  onDone,
  compact,
}: {
  ids: number[];
  /** the regions of the selected alerts: only users whose regions include all of them are offered */
  regions: string[];
  users: AssigneeOption[];
  canCase?: boolean;
  canReopen?: boolean;
  canVerdict?: boolean;
  onDone?: () => void;
  compact?: boolean;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [mode, setMode] = useState<Mode>('none');
  const [text, setText] = useState('');
  const [code, setCode] = useState('');
  const [assignee, setAssignee] = useState<string>('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string; details?: string[] } | null>(null);
  const eligible = users.filter((u) => u.regions.includes('*') || regions.every((r) => u.regions.includes(r)));

  const reset = () => {
    setMode('none');
    setText('');
    setCode('');
  };
  const run = (fn: () => Promise<ActionResult>) =>
    start(async () => {
      const r = await fn();
      if (r.ok) {
        setMsg({ ok: true, text: r.message });
        reset();
        onDone?.();
        router.refresh();
      } else setMsg({ ok: false, text: r.error });
    });

  const width = compact ? 220 : 360;
  const cancel = (
    <button type="button" className="secondary" onClick={reset}>
      取消
    </button>
  );

  return (
    <div className="actions" data-testid="alert-actions">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          run(() => alertAction({ action: 'assign', ids, userId: assignee ? Number(assignee) : undefined }));
        }}
      >
        <select aria-label="分派给" value={assignee} onChange={(e) => setAssignee(e.target.value)}>
          <option value="">分派给我</option>
          {eligible.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
        <button type="submit" className="secondary" disabled={pending}>
          分派
        </button>
      </form>
      {canVerdict ? (
        mode === 'confirm' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run(() => alertAction({ action: 'confirm', ids, opinion: text }));
            }}
          >
            <input aria-label="确认意见" placeholder="确认意见（必填）：违规事实与依据" value={text} onChange={(e) => setText(e.target.value)} required maxLength={2000} style={{ width }} autoFocus />
            <button type="submit" disabled={pending || !text.trim()}>
              确定确认
            </button>
            {cancel}
          </form>
        ) : (
          <button type="button" className="secondary" disabled={pending} onClick={() => setMode('confirm')}>
            确认违规
          </button>
        )
      ) : null}
      {canVerdict ? (
        mode === 'dismiss' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run(() => alertAction({ action: 'dismiss', ids, reasonCode: code, reason: text }));
            }}
          >
            <select aria-label="误报原因" value={code} onChange={(e) => setCode(e.target.value)} required autoFocus>
              <option value="">选择误报原因</option>
              {DISMISS_REASONS.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.label}
                </option>
              ))}
            </select>
            <input aria-label="排除说明" placeholder={code === 'other' ? '说明（必填）' : '说明（选填）'} value={text} onChange={(e) => setText(e.target.value)} maxLength={2000} style={{ width: compact ? 180 : 280 }} />
            <button type="submit" disabled={pending || !code || (code === 'other' && !text.trim())}>
              确定排除
            </button>
            {cancel}
          </form>
        ) : (
          <button type="button" className="secondary" disabled={pending} onClick={() => setMode('dismiss')}>
            排除（误报）
          </button>
        )
      ) : null}
      {canReopen ? (
        mode === 'reopen' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run(() => alertAction({ action: 'reopen', ids, reason: text }));
            }}
          >
            <input aria-label="撤销理由" placeholder="撤销理由（必填）" value={text} onChange={(e) => setText(e.target.value)} required maxLength={2000} style={{ width }} autoFocus />
            <button type="submit" disabled={pending || !text.trim()}>
              确定撤销
            </button>
            {cancel}
          </form>
        ) : (
          <button type="button" className="secondary" disabled={pending} onClick={() => setMode('reopen')} title="把已确认或已排除的预警退回待处理">
            撤销结论
          </button>
        )
      ) : null}
      {canCase ? (
        mode === 'case' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              start(async () => {
                const r = await openCase(ids, { comment: text });
                if (r.ok) router.push(`/cases/${r.caseId}`);
                else setMsg({ ok: false, text: r.error });
              });
            }}
          >
            <input aria-label="立案意见" placeholder="立案意见（必填）" value={text} onChange={(e) => setText(e.target.value)} required style={{ width: 240 }} autoFocus />
            <button type="submit" disabled={pending || !text.trim()}>
              确定立案
            </button>
            {cancel}
          </form>
        ) : (
          <button type="button" className="secondary" disabled={pending} onClick={() => setMode('case')} title="已确认的预警可立案">
            立案
          </button>
        )
      ) : null}
      {msg ? (
        <span className={msg.ok ? 'msg-ok' : 'msg-err'} role="status" data-testid="action-message">
          {msg.text}
        </span>
      ) : null}
    </div>
  );
}
