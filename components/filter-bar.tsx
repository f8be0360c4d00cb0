'use client';
/**
 * Filters whose state lives in the URL: each select or text box writes its search param (and goes
 * back to page 1); the server page reads them and filters in SQL. Plain data props, so server
 * pages can describe their filters directly. The period and region pickers are filters too.
 */
import './dashboard.css';
import { useState } from 'react';
import { useUrlState } from './url-state';

export type FilterField =
  | { name: string; label: string; type: 'select'; options: Array<{ value: string; label: string }>; allLabel?: string }
  | { name: string; label: string; type: 'text'; placeholder?: string };

export function FilterBar({ fields, values, children }: { fields: FilterField[]; values: Record<string, string | undefined>; children?: React.ReactNode }) {
  const { set, pending } = useUrlState();
  return (
    <div className="toolbar filter-bar" role="search" aria-busy={pending}>
      {fields.map((f) =>
        f.type === 'select' ? (
          <label key={f.name} className="field">
            <span className="muted">{f.label}</span>
            <select aria-label={f.label} value={values[f.name] ?? ''} onChange={(e) => set({ [f.name]: e.target.value })}>
              {f.allLabel !== undefined ? <option value="">{f.allLabel}</option> : null}
              {f.options.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.label}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <TextFilter key={`${f.name}:${values[f.name] ?? ''}`} field={f} value={values[f.name] ?? ''} onCommit={(v) => set({ [f.name]: v.trim() })} />
        ),
      )}
      {children}
      {pending ? <span className="muted" role="status">加载中…</span> : null}
    </div>
  );
}

function TextFilter({ field, value, onCommit }: { field: { name: string; label: string; placeholder?: string }; value: string; onCommit: (v: string) => void }) {
  const [v, setV] = useState(value);
  return (
    <label className="field">
      <span className="muted">{field.label}</span>
      <input
        type="search"
        aria-label={field.label}
        placeholder={field.placeholder}
        value={v}
        onChange={(e) => setV(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter') onCommit(v);
        }}
        onBlur={() => {
          if (v !== value) onCommit(v);
        }}
      />
    </label>
  );
}
