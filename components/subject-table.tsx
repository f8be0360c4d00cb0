'use client';
/** Institutions / doctors / persons / regions ranked by their indicators (server-sorted, URL state). */
import Link from 'next/link';
import { useMemo } from 'react';
import { columnHelper, DataTable } from './data-table';
import { formatMetric, METRICS, type MetricId, type SubjectKind } from '@/lib/dashboard/metrics';
import type { SubjectRow } from '@/lib/dashboard/subjects';
import { codeLabel, INST_TYPE_LABEL, LEVEL_LABEL } from '@/lib/dashboard/labels';

export type SubjectTableRow = SubjectRow & { shownId: string; alerts: number; high: number };

const HREF: Record<SubjectKind, string> = { institution: '/institutions', doctor: '/doctors', insured: '/persons', region: '/indicators' };

export function SubjectTable(props: {
  kind: SubjectKind;
  metrics: MetricId[];
  rows: SubjectTableRow[];
  total: number;
  page: number;
  pageSize: number;
  sort: string;
  hidden: string[];
  query: string;
  showPercentile?: boolean;
}) {
  const { kind, metrics, query, showPercentile } = props;
  const columns = useMemo(() => {
    const h = columnHelper<SubjectTableRow>();
    const href = (r: SubjectTableRow) => (kind === 'region' ? null : `${HREF[kind]}/${encodeURIComponent(r.id)}${query ? `?${query}` : ''}`);
    return h.columns([
      h.accessor('name', {
        header: kind === 'insured' ? '参保人' : '名称',
        cell: (c) => {
          const r = c.row.original;
          const link = href(r);
          const text = r.name ?? r.shownId;
          return link ? <Link href={link}>{text}</Link> : text;
        },
      }),
      h.accessor('shownId', { header: '编码', enableSorting: false }),
      h.accessor('regionCode', { header: '地区', enableSorting: false }),
      h.accessor('kind', {
        header: kind === 'insured' ? '人员类别' : '类型',
        enableSorting: false,
        cell: (c) => {
          const r = c.row.original;
          if (kind === 'institution') return `${INST_TYPE_LABEL[r.kind ?? ''] ?? r.kind ?? ''}${r.level ? ` · ${LEVEL_LABEL[r.level] ?? r.level}` : ''}`;
          if (kind === 'insured') return r.kind ? codeLabel('psnType', r.kind) : '—';
          if (kind === 'doctor') return r.parent ?? '';
          return '';
        },
      }),
      ...metrics.map((m) => h.accessor((r) => r.metrics[m], { id: m, header: METRICS[m].label, cell: (c) => formatMetric(m, c.getValue() ?? null) })),
      ...(showPercentile ? [h.accessor('percentile', { header: '百分位', enableSorting: false, cell: (c) => (c.getValue() === null ? '—' : `P${Math.round((c.getValue() ?? 0) * 100)}`) })] : []),
      h.accessor('alerts', {
        header: '预警',
        enableSorting: false,
        cell: (c) => (c.getValue() ? <span className={c.row.original.high ? 'badge high' : 'badge'}>{c.getValue()}</span> : '·'),
      }),
    ]);
  }, [kind, metrics, query, showPercentile]);
  return (
    <DataTable
      label="排名"
      testId={`${kind}-table`}
      columns={columns}
      rows={props.rows}
      total={props.total}
      page={props.page}
      pageSize={props.pageSize}
      sort={props.sort}
      hidden={props.hidden}
      getRowId={(r) => `${r.regionCode}:${r.id}`}
      rowHref={kind === 'region' ? undefined : (r) => `${HREF[kind]}/${encodeURIComponent(r.id)}${query ? `?${query}` : ''}`}
      numeric={[...metrics, 'percentile', 'alerts']}
      empty="本期没有符合条件的对象"
    />
  );
}
