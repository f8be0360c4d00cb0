'use client';
/** Assign / confirm / dismiss (with a required reason) for one or many alerts, and open a case. */
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { openCase } from '@/lib/cases/open-case';
import { alertAction, type ActionResult } from './actions';

export function AlertActions({ ids, users, canCase, onDone, compact }: { ids: number[]; users: Array<{ id: number; name: string }>; canCase?: boolean; onDone?: () => void; compact?: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [mode, setMode] = useState<'none' | 'dismiss' | 'case'>('none');
  const [reason, setReason] = useState('');
  const [assignee, setAssignee] = useState<string>('');
  const [msg, setMsg] = useState<{ ok: boolean; text: string } | null>(null);

  const run = (fn: () => Promise<ActionResult>) =>
    start(async () => {
      const r = await fn();
      if (r.ok) {
        setMsg({ ok: true, text: r.message });
        setMode('none');
        setReason('');
        onDone?.();
        router.refresh();
      } else setMsg({ ok: false, text: r.error });
    });

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
          {users.map((u) => (
            <option key={u.id} value={u.id}>
              {u.name}
            </option>
          ))}
        </select>
        <button type="submit" className="secondary" disabled={pending}>
          分派
        </button>
      </form>
      <button type="button" className="secondary" disabled={pending} onClick={() => run(() => alertAction({ action: 'confirm', ids }))}>
        确认违规
      </button>
      {mode === 'dismiss' ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            run(() => alertAction({ action: 'dismiss', ids, reason }));
          }}
        >
          <input aria-label="排除原因" placeholder="排除原因（必填）" value={reason} onChange={(e) => setReason(e.target.value)} required maxLength={2000} style={{ width: compact ? 200 : 320 }} autoFocus />
          <button type="submit" disabled={pending || !reason.trim()}>
            确定排除
          </button>
          <button type="button" className="secondary" onClick={() => setMode('none')}>
            取消
          </button>
        </form>
      ) : (
        <button type="button" className="secondary" disabled={pending} onClick={() => setMode('dismiss')}>
          排除（误报）
        </button>
      )}
      {canCase ? (
        mode === 'case' ? (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              start(async () => {
                const r = await openCase(ids, { comment: reason });
                if (r.ok) router.push(`/cases/${r.caseId}`);
                else setMsg({ ok: false, text: r.error });
              });
            }}
          >
            <input aria-label="立案意见" placeholder="立案意见（必填）" value={reason} onChange={(e) => setReason(e.target.value)} required style={{ width: 240 }} autoFocus />
            <button type="submit" disabled={pending || !reason.trim()}>
              确定立案
            </button>
            <button type="button" className="secondary" onClick={() => setMode('none')}>
              取消
            </button>
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
