'use client';
/**
 * ECharts 6 wrapper for the dashboard: trend lines, bars and a histogram with marked values (the
 * peer distribution on an alert, the explorer's spread). Only the parts used are registered
 * (echarts/core + Line/Bar + grid, tooltip, legend, markLine + the SVG renderer), so the page
 * bundle stays small. Props are plain data (serialisable from server components); number
 * formatting (元/万元/%) happens here, on the client, from the `unit`.
 */
import { useEffect, useRef } from 'react';
import { BarChart, LineChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { count, money, pct } from '@/lib/format';

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, MarkLineComponent, SVGRenderer]);

export type ChartUnit = 'fen' | 'ratio' | 'count';

export interface Series {
  name: string;
  data: Array<number | null>;
  dashed?: boolean;
  color?: string;
}

export type ChartSpec =
  | { kind: 'line'; x: string[]; series: Series[]; unit: ChartUnit }
  | { kind: 'bar'; x: string[]; series: Series[]; unit: ChartUnit; stacked?: boolean; horizontal?: boolean }
  | {
      kind: 'histogram';
      bins: Array<{ from: number; to: number; n: number }>;
      unit: ChartUnit;
      /** vertical lines: the subject's value, the threshold, the median */
      marks?: Array<{ value: number; label: string; color?: string }>;
    };

const PALETTE = ['#1f5fbf', '#9aa5b5', '#c2312b', '#b7791f', '#2f7d4f', '#7a4fbf'];

function fmt(unit: ChartUnit, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (unit === 'fen') return money(v);
  if (unit === 'ratio') return pct(v);
  return count(v);
}

/** Short axis labels: 万元 / % / counts. */
function axis(unit: ChartUnit, v: number): string {
  if (unit === 'fen') return Math.abs(v) >= 1_000_000 ? `${Number((v / 1_000_000).toFixed(1))}万` : `${Math.round(v / 100)}`;
  if (unit === 'ratio') return `${Math.round(v * 100)}%`;
  return Math.abs(v) >= 10000 ? `${(v / 10000).toFixed(1)}万` : String(v);
}

type Option = Parameters<echarts.ECharts['setOption']>[0];

function buildOption(spec: ChartSpec): Option {
  const base = {
    animation: false,
    textStyle: { fontFamily: 'inherit', fontSize: 11 },
    grid: { left: 8, right: 16, top: 28, bottom: 8, containLabel: true },
    color: PALETTE,
  };
  if (spec.kind === 'histogram') {
    const x = spec.bins.map((b) => (b.from + b.to) / 2);
    const width = spec.bins.length ? (spec.bins[0]?.to ?? 0) - (spec.bins[0]?.from ?? 0) : 1;
    const markIndex = (v: number) => (width ? Math.min(Math.max(Math.floor((v - (spec.bins[0]?.from ?? 0)) / width), 0), spec.bins.length - 1) : 0);
    return {
      ...base,
      tooltip: {
        trigger: 'axis',
        formatter: (ps: unknown) => {
          const p = (ps as Array<{ dataIndex: number; value: number }>)[0];
          const b = p ? spec.bins[p.dataIndex] : undefined;
          return b ? `${fmt(spec.unit, b.from)} – ${fmt(spec.unit, b.to)}<br/>${b.n} 个` : '';
        },
      },
      xAxis: { type: 'category', data: x.map((v) => axis(spec.unit, v)), axisLabel: { hideOverlap: true } },
      yAxis: { type: 'value', minInterval: 1, name: '个数', nameTextStyle: { align: 'left' } },
      series: [
        {
          type: 'bar',
          name: '分布',
          data: spec.bins.map((b) => b.n),
          barCategoryGap: '8%',
          itemStyle: { color: '#c9d3e6' },
          markLine: {
            symbol: 'none',
            silent: true,
            label: { formatter: '{b}', position: 'insideEndTop', fontSize: 11 },
            data: (spec.marks ?? []).map((m, i) => ({
              name: `${m.label} ${fmt(spec.unit, m.value)}`,
              xAxis: markIndex(m.value),
              lineStyle: { color: m.color ?? PALETTE[i % PALETTE.length], width: 2, type: i === 0 ? 'solid' : 'dashed' },
            })),
          },
        },
      ],
    } as Option;
  }
  const horizontal = spec.kind === 'bar' && spec.horizontal;
  const valueAxis = { type: 'value', axisLabel: { formatter: (v: number) => axis(spec.unit, v) }, splitLine: { lineStyle: { color: '#eef0f3' } } };
  const catAxis = { type: 'category', data: spec.x, axisLabel: { hideOverlap: true } };
  return {
    ...base,
    legend: spec.series.length > 1 ? { top: 0, right: 0, itemWidth: 14, itemHeight: 8 } : undefined,
    tooltip: { trigger: 'axis', valueFormatter: (v: unknown) => fmt(spec.unit, typeof v === 'number' ? v : null) },
    xAxis: horizontal ? valueAxis : catAxis,
    yAxis: horizontal ? { ...catAxis, inverse: true } : valueAxis,
    series: spec.series.map((s, i) => ({
      type: spec.kind,
      name: s.name,
      data: s.data,
      stack: spec.kind === 'bar' && spec.stacked ? 'total' : undefined,
      connectNulls: false,
      showSymbol: spec.kind === 'line' ? s.data.length <= 1 || s.data.filter((v) => v !== null).length <= 2 : undefined,
      lineStyle: s.dashed ? { type: 'dashed', width: 1.5 } : { width: 2 },
      itemStyle: { color: s.color ?? PALETTE[i % PALETTE.length] },
      barMaxWidth: 28,
    })),
  } as Option;
}

export function Chart({ spec, height = 220, label }: { spec: ChartSpec; height?: number; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const chart = echarts.init(el, undefined, { renderer: 'svg' });
    chart.setOption(buildOption(spec));
    const ro = new ResizeObserver(() => chart.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      chart.dispose();
    };
  }, [spec]);
  return <div ref={ref} role="img" aria-label={label} data-testid="chart" style={{ width: '100%', height }} />;
}
