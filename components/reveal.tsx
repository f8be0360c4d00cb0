'use client';
/**
 * Shows a masked identifier with a 显示 button for users allowed to reveal it. The click asks
 * POST /api/auth/reveal, which checks the 'reveal' permission and the region (RLS) and writes an
 * audit row; the plain value is kept only in this component's state.
 */
import { useState } from 'react';

type Props =
  | { entity: 'insured_person'; id: string; field: 'psn_no' | 'psn_name' | 'certno'; masked: string; allowed: boolean }
  | { entity: 'alert' | 'case'; id: number; field: 'subject_id' | 'subject_name'; masked: string; allowed: boolean }
  | { entity: 'settlement'; id: string; field: 'psn_no'; masked: string; allowed: boolean };

export function Reveal(props: Props) {
  const [value, setValue] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!props.allowed || value !== null) return <span data-testid="reveal-value">{value ?? props.masked}</span>;
  const onClick = async () => {
    const res = await fetch('/api/auth/reveal', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ entity: props.entity, id: props.id, field: props.field }),
    });
    const body = (await res.json().catch(() => ({}))) as { value?: string; error?: string };
    if (res.ok && typeof body.value === 'string') setValue(body.value);
    else setError(body.error ?? `HTTP ${res.status}`);
  };
  return (
    <span>
      {props.masked}{' '}
      <button type="button" className="secondary" onClick={() => void onClick()} title="显示完整信息（将记入审计日志）">
        显示
      </button>
      {error ? <span className="muted"> {error}</span> : null}
    </span>
  );
}
