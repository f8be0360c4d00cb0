'use client';
import Link from 'next/link';
import { useMemo } from 'react';
import { columnHelper, DataTable } from '@/components/data-table';
import type { AlertRow } from '@/lib/dashboard/alerts';
import { SEVERITY_LABEL, STATUS_LABEL, SUBJECT_TYPE_LABEL } from '@/lib/dashboard/labels';
import { dateOnly, money, pct, periodLabel } from '@/lib/format';
import { AlertActions, type AssigneeOption } from './alert-actions';

const h = columnHelper<AlertRow>();
const columns = h.columns([
  h.accessor('id', { header: '编号', cell: (c) => <Link href={`/alerts/${c.getValue()}`}>#{c.getValue()}</Link> }),
  h.accessor('severity', { header: '等级', cell: (c) => <span className={`badge ${c.getValue()}`}>{SEVERITY_LABEL[c.getValue()] ?? c.getValue()}</span> }),
  h.accessor('ruleId', {
    header: '规则',
    cell: (c) => (
      <span title={c.row.original.ruleId}>
        {c.row.original.ruleName} <span className="muted">{c.getValue()}</span>
      </span>
    ),
  }),
  h.accessor('subjectShown', {
    header: '对象',
    enableSorting: false,
    cell: (c) => (
      <span>
        <span className="muted">{SUBJECT_TYPE_LABEL[c.row.original.subjectType] ?? c.row.original.subjectType}</span> {c.row.original.subjectName ?? c.getValue()}
        {c.row.original.subjectName ? <span className="muted"> {c.getValue()}</span> : null}
      </span>
    ),
  }),
  h.accessor('regionCode', { header: '地区', enableSorting: false, cell: (c) => (c.row.original.regionName ? `${c.row.original.regionName} ${c.getValue()}` : c.getValue()) }),
  h.accessor('periodStart', { header: '期间', cell: (c) => periodLabel(c.row.original.periodKey) }),
  h.accessor('value', { header: '指标值', cell: (c) => c.row.original.valueText }),
  h.accessor('percentile', { header: '百分位', cell: (c) => (c.getValue() === null ? '—' : pct(c.getValue())) }),
  h.accessor('amount', { header: '涉及金额', cell: (c) => money(c.getValue()) }),
  h.accessor('status', { header: '状态', cell: (c) => <span className={`badge status-${c.getValue()}`}>{STATUS_LABEL[c.getValue()] ?? c.getValue()}</span> }),
  h.accessor('assigneeName', { header: '处理人', enableSorting: false, cell: (c) => c.getValue() ?? <span className="muted">未分派</span> }),
  h.accessor('updatedAt', { header: '更新时间', cell: (c) => dateOnly(c.getValue()) }),
]);

export function AlertsTable(props: { rows: AlertRow[]; total: number; page: number; pageSize: number; sort: string; hidden: string[]; users: AssigneeOption[]; canAct: boolean }) {
  const rows = useMemo(() => props.rows, [props.rows]);
  const regionOf = useMemo(() => new Map(props.rows.map((r) => [String(r.id), r.regionCode])), [props.rows]);
  return (
    <DataTable
      label="预警列表"
      testId="alerts-table"
      columns={columns}
      rows={rows}
      total={props.total}
      page={props.page}
      pageSize={props.pageSize}
      sort={props.sort}
      hidden={props.hidden}
      getRowId={(r) => String(r.id)}
      rowHref={(r) => `/alerts/${r.id}`}
      numeric={['value', 'percentile', 'amount']}
      selectable={props.canAct}
      bulk={(ids, clear) => <AlertActions ids={ids.map(Number)} regions={[...new Set(ids.map((i) => regionOf.get(i) ?? ''))]} users={props.users} onDone={clear} compact />}
      empty="没有符合条件的预警"
    />
  );
}
