'use client';
/** The admin's key forms: the new key is shown once, in this form's state only. */
import { useActionState } from 'react';
import { createKeyAction, revokeKeyAction, type KeyFormState } from './actions';

export function CreateKeyForm() {
  const [state, action, pending] = useActionState<KeyFormState, FormData>(createKeyAction, {});
  return (
    <form action={action} className="toolbar" style={{ flexWrap: 'wrap' }}>
      <input name="institution" placeholder="机构编码" required aria-label="密钥机构编码" />
      <input name="region" placeholder="统筹区（机构在多个统筹区时填写）" aria-label="统筹区" style={{ width: 220 }} />
      <input name="label" placeholder="备注，如 HIS 正式环境" aria-label="备注" />
      <button type="submit" disabled={pending}>
        生成密钥
      </button>
      {state.error ? (
        <p className="error-box" role="alert">
          {state.error}
        </p>
      ) : null}
      {state.ok ? (
        <p className="muted" data-testid="key-created" style={{ width: '100%' }}>
          {state.ok}
          {state.key ? (
            <code data-testid="new-key" style={{ display: 'block', userSelect: 'all', padding: '4px 0' }}>
              {state.key}
            </code>
          ) : null}
        </p>
      ) : null}
    </form>
  );
}

export function RevokeKeyButton({ id, region }: { id: number; region: string }) {
  const [state, action, pending] = useActionState<KeyFormState, FormData>(revokeKeyAction, {});
  return (
    <form action={action} style={{ margin: 0 }}>
      <input type="hidden" name="id" value={id} />
      <input type="hidden" name="region" value={region} />
      <button type="submit" className="secondary" disabled={pending}>
        作废
      </button>
      {state.error ? <span className="error-box">{state.error}</span> : null}
    </form>
  );
}
