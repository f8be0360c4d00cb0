/**
 * The digest's inline chart: echarts rendered server-side to SVG (no DOM), then rasterised to PNG
 * because most mail clients (Outlook, Foxmail, many webmails) do not display SVG images.
 * PNG comes from `sharp`, present as next's own (optional) dependency, not one of ours: when it
 * cannot be loaded the SVG itself is attached (image/svg+xml) and the HTML table carries the numbers.
 */
import * as echarts from 'echarts';

export interface ChartInput {
  /** x-axis categories (rule names) */
  categories: string[];
  /** stacked bars, one series per severity */
  series: Array<{ name: string; color: string; values: number[] }>;
  /** previous week's total per category, drawn as a line */
  previous: number[];
  title: string;
}

export interface ChartImage {
  contentType: 'image/png' | 'image/svg+xml';
  filename: string;
  content: Buffer;
  svg: string;
}

const WIDTH = 640;
const HEIGHT = 320;

export function renderChartSvg(input: ChartInput): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
  try {
    chart.setOption({
      animation: false,
      backgroundColor: '#ffffff',
      textStyle: { fontFamily: 'Noto Sans CJK SC, Microsoft YaHei, sans-serif' },
      title: { text: input.title, left: 12, top: 8, textStyle: { fontSize: 14 } },
      legend: { top: 8, right: 12, textStyle: { fontSize: 11 } },
      grid: { left: 44, right: 16, top: 44, bottom: 72 },
      xAxis: {
        type: 'category',
        data: input.categories,
        axisLabel: { interval: 0, rotate: input.categories.length > 4 ? 30 : 0, fontSize: 11 },
      },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        ...input.series.map((s) => ({ name: s.name, type: 'bar', stack: 'n', data: s.values, itemStyle: { color: s.color }, barMaxWidth: 36 })),
        { name: '上周合计', type: 'line', data: input.previous, itemStyle: { color: '#888888' }, lineStyle: { type: 'dashed' }, symbol: 'circle' },
      ],
    });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

type SharpFn = (input: Buffer) => { png(): { toBuffer(): Promise<Buffer> } };
let sharpLoader: Promise<SharpFn | null> | undefined;

async function loadSharp(): Promise<SharpFn | null> {
  sharpLoader ??= import('sharp').then((m) => (m.default ?? m) as unknown as SharpFn).catch(() => null);
  return sharpLoader;
}

/** SVG → PNG when possible; otherwise the SVG as is. */
export async function renderChart(input: ChartInput): Promise<ChartImage> {
  const svg = renderChartSvg(input);
  if (process.env.OFM_MAIL_CHART !== 'svg') {
    const sharp = await loadSharp();
    if (sharp) {
      try {
        const content = await sharp(Buffer.from(svg)).png().toBuffer();
        return { contentType: 'image/png', filename: 'digest-chart.png', content, svg };
      } catch {
        // fall through to SVG
      }
    }
  }
  return { contentType: 'image/svg+xml', filename: 'digest-chart.svg', content: Buffer.from(svg), svg };
}
