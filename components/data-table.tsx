'use client';
/**
 * The dashboard's server-driven table on TanStack Table v9 (`useTable` + explicit `tableFeatures`).
 * Sorting, pagination and column visibility are controlled state read from and written to the URL
 * (`sort=field.desc`, `page`, `size`, `hide=a,b`); the server page re-queries with them, so the
 * table runs with manualSorting / manualPagination and never reorders or slices rows itself.
 * Filtering is the FilterBar's URL params, applied in SQL. Row selection is local (ids of the
 * loaded page) and feeds the bulk-action slot.
 * Keyboard: every row is focusable; ↑/↓ move between rows, Enter opens the row, Space selects it.
 * `data-ready` appears once the table is hydrated (useHydrated): browser tests wait for it before using the keyboard.
 */
import './dashboard.css';
import {
  columnVisibilityFeature,
  createColumnHelper,
  rowPaginationFeature,
  rowSelectionFeature,
  rowSortingFeature,
  tableFeatures,
  useTable,
  type ColumnHelper,
  type PaginationState,
  type RowSelectionState,
  type SortingState,
  type Updater,
  type ColumnVisibilityState,
  type RowData,
} from '@tanstack/react-table';
import { useRouter } from 'next/navigation';
import { useMemo, useState, type KeyboardEvent, type ReactNode } from 'react';
import { count } from '@/lib/format';
import { useHydrated } from './use-hydrated';
import { useUrlState } from './url-state';

export const tableFeaturesSet = tableFeatures({ rowSortingFeature, rowPaginationFeature, columnVisibilityFeature, rowSelectionFeature });
export type TableFeaturesSet = typeof tableFeaturesSet;
export type Columns<T extends RowData> = ReturnType<ColumnHelper<TableFeaturesSet, T>['columns']>;

/** Column helper bound to this table's features: `const h = columnHelper<Row>(); h.columns([...])`. */
export function columnHelper<T extends RowData>(): ColumnHelper<TableFeaturesSet, T> {
  return createColumnHelper<TableFeaturesSet, T>();
}

const apply = <S,>(u: Updater<S>, prev: S): S => (typeof u === 'function' ? (u as (p: S) => S)(prev) : u);

export interface DataTableProps<T extends RowData> {
  label: string;
  columns: Columns<T>;
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
  /** current sort from the URL ('amount.desc') */
  sort?: string | null;
  /** hidden column ids from the URL */
  hidden?: string[];
  getRowId: (row: T) => string;
  rowHref?: (row: T) => string;
  /** column ids rendered right-aligned (numbers) */
  numeric?: string[];
  selectable?: boolean;
  bulk?: (ids: string[], clear: () => void) => ReactNode;
  empty?: ReactNode;
  testId?: string;
  pageSizes?: number[];
}

export function parseSort(s: string | null | undefined): SortingState {
  if (!s) return [];
  const [id, dir] = s.split('.');
  return id ? [{ id, desc: dir !== 'asc' }] : [];
}

export function DataTable<T extends RowData>(props: DataTableProps<T>) {
  const hydrated = useHydrated();
  const { params, set, pending } = useUrlState();
  const router = useRouter();
  const [rowSelection, setRowSelection] = useState<RowSelectionState>({});
  const sorting = useMemo(() => parseSort(props.sort), [props.sort]);
  const pagination: PaginationState = useMemo(() => ({ pageIndex: props.page - 1, pageSize: props.pageSize }), [props.page, props.pageSize]);
  const hiddenKey = (props.hidden ?? []).join(',');
  const columnVisibility: ColumnVisibilityState = useMemo(() => Object.fromEntries(hiddenKey.split(',').filter(Boolean).map((id) => [id, false])), [hiddenKey]);
  const numeric = new Set(props.numeric ?? []);

  const table = useTable({
    features: tableFeaturesSet,
    columns: props.columns,
    data: props.rows,
    getRowId: props.getRowId,
    rowCount: props.total,
    manualSorting: true,
    manualPagination: true,
    enableMultiSort: false,
    enableSortingRemoval: false,
    enableRowSelection: props.selectable ?? false,
    state: { sorting, pagination, columnVisibility, rowSelection },
    onSortingChange: (u) => {
      const next = apply(u, sorting)[0];
      set({ sort: next ? `${next.id}.${next.desc ? 'desc' : 'asc'}` : null });
    },
    onPaginationChange: (u) => {
      const next = apply(u, pagination);
      set({ page: next.pageIndex > 0 ? String(next.pageIndex + 1) : null, size: next.pageSize !== props.pageSize ? String(next.pageSize) : params.get('size') }, { resetPage: false });
    },
    onColumnVisibilityChange: (u) => {
      const next = apply(u, columnVisibility);
      const hide = Object.entries(next)
        .filter(([, v]) => v === false)
        .map(([k]) => k);
      set({ hide: hide.join(',') || null }, { resetPage: false });
    },
    onRowSelectionChange: (u) => setRowSelection((prev) => apply(u, prev)),
  });

  const selectedIds = Object.keys(rowSelection).filter((k) => rowSelection[k]);
  const pages = Math.max(1, Math.ceil(props.total / props.pageSize));
  const rows = table.getRowModel().rows;

  const onRowKey = (e: KeyboardEvent<HTMLTableRowElement>, row: (typeof rows)[number]) => {
    if (e.target !== e.currentTarget) return;
    if (e.key === 'Enter' && props.rowHref) {
      e.preventDefault();
      router.push(props.rowHref(row.original));
    } else if (e.key === ' ' && props.selectable) {
      e.preventDefault();
      row.toggleSelected();
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const sib = e.key === 'ArrowDown' ? e.currentTarget.nextElementSibling : e.currentTarget.previousElementSibling;
      if (sib instanceof HTMLElement) sib.focus();
    }
  };

  return (
    <div className="data-table" data-testid={props.testId} data-ready={hydrated || undefined} aria-busy={pending}>
      <div className="toolbar table-toolbar">
        {props.selectable && props.bulk ? (
          <div className="bulk" data-testid="bulk-bar">
            <span className="muted">已选 {selectedIds.length} 条</span>
            {selectedIds.length ? props.bulk(selectedIds, () => setRowSelection({})) : null}
          </div>
        ) : null}
        <span className="spacer" />
        {pending ? <span className="muted" role="status">加载中…</span> : null}
        <details className="column-chooser">
          <summary className="button secondary">列</summary>
          <div className="menu" role="group" aria-label="显示的列">
            {table
              .getAllLeafColumns()
              .filter((c) => c.getCanHide() && c.id !== 'select')
              .map((c) => (
                <label key={c.id}>
                  <input type="checkbox" checked={c.getIsVisible()} onChange={c.getToggleVisibilityHandler()} />{' '}
                  {typeof c.columnDef.header === 'string' ? c.columnDef.header : c.id}
                </label>
              ))}
          </div>
        </details>
      </div>
      <div className="table-scroll">
        <table className="data">
          <thead>
            {table.getHeaderGroups().map((g) => (
              <tr key={g.id}>
                {props.selectable ? (
                  <th style={{ width: 28 }}>
                    <input
                      type="checkbox"
                      aria-label="全选本页"
                      checked={table.getIsAllPageRowsSelected()}
                      onChange={table.getToggleAllPageRowsSelectedHandler()}
                    />
                  </th>
                ) : null}
                {g.headers.map((h) => {
                  const sorted = h.column.getIsSorted();
                  const canSort = h.column.getCanSort();
                  return (
                    <th
                      key={h.id}
                      className={numeric.has(h.column.id) ? 'num' : undefined}
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                    >
                      {h.isPlaceholder ? null : canSort ? (
                        <button type="button" className="sort" onClick={h.column.getToggleSortingHandler()} title="排序">
                          <table.FlexRender header={h} />
                          <span className="sort-mark">{sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : '↕'}</span>
                        </button>
                      ) : (
                        <table.FlexRender header={h} />
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          <tbody>
            {rows.length === 0 ? (
              <tr>
                <td colSpan={table.getVisibleLeafColumns().length + (props.selectable ? 1 : 0)}>
                  <div className="empty">{props.empty ?? '没有符合条件的记录'}</div>
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr
                  key={row.id}
                  tabIndex={0}
                  data-row-id={row.id}
                  aria-selected={props.selectable ? row.getIsSelected() : undefined}
                  className={row.getIsSelected() ? 'selected' : undefined}
                  onKeyDown={(e) => onRowKey(e, row)}
                >
                  {props.selectable ? (
                    <td>
                      <input type="checkbox" aria-label={`选择 ${row.id}`} checked={row.getIsSelected()} onChange={row.getToggleSelectedHandler()} />
                    </td>
                  ) : null}
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={numeric.has(cell.column.id) ? 'num' : undefined}>
                      <table.FlexRender cell={cell} />
                    </td>
                  ))}
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      <div className="toolbar pager">
        <span className="muted" data-testid="table-total">
          共 {count(props.total)} 条 · 第 {props.page}/{pages} 页
        </span>
        <span className="spacer" />
        <button type="button" className="secondary" onClick={() => table.firstPage()} disabled={props.page <= 1}>
          首页
        </button>
        <button type="button" className="secondary" onClick={() => table.previousPage()} disabled={props.page <= 1}>
          上一页
        </button>
        <button type="button" className="secondary" onClick={() => table.nextPage()} disabled={props.page >= pages}>
          下一页
        </button>
        <label>
          每页{' '}
          <select value={props.pageSize} onChange={(e) => table.setPagination({ pageIndex: 0, pageSize: Number(e.target.value) })} aria-label="每页条数">
            {(props.pageSizes ?? [20, 50, 100]).map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </div>
    </div>
  );
}
