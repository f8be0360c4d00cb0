/**
 * The case report as PDF (titled by the stage's document: 立案审批表 … 处理决定书): pdfkit with Noto Sans CJK SC
 * embedded (subset), a bar chart of the evidence amounts by month drawn as vectors, a signature and seal block,
 * and 第 n 页 共 N 页 on every page.
 */
import PDFDocument from 'pdfkit';
import { yuanGrouped } from '../format';
import { CJK_FONT_NAME, requireCjkFont } from './font';

export interface PdfSection {
  heading: string;
  lines: string[];
}

export interface CasePdfData {
  title: string;
  caseNo: string;
  meta: Array<[string, string]>;
  sections: PdfSection[];
  /** evidence amounts by month, fen */
  chart: { title: string; bars: Array<{ label: string; fen: number }> };
  /** sections printed after the chart */
  after: PdfSection[];
  footer: string;
  /** 承办人 / 审核人 / 机关盖章 / 日期 lines for the paper file */
  signature?: boolean;
  /** fixed creation date so identical cases give identical files */
  createdAt: Date;
}

const MARGIN = 56;

function drawChart(doc: PDFKit.PDFDocument, chart: CasePdfData['chart']): void {
  const width = doc.page.width - MARGIN * 2;
  const height = 170;
  if (doc.y + height + 60 > doc.page.height - MARGIN) doc.addPage();
  doc.fontSize(12).fillColor('#000').text(chart.title, MARGIN, doc.y, { width });
  const top = doc.y + 8;
  const left = MARGIN + 60;
  const plotW = width - 70;
  const plotH = height - 40;
  const max = Math.max(1, ...chart.bars.map((b) => b.fen));
  // axes
  doc.save().lineWidth(0.8).strokeColor('#333').moveTo(left, top).lineTo(left, top + plotH).lineTo(left + plotW, top + plotH).stroke().restore();
  // gridlines and y labels at 0, ½, max
  for (const f of [0, 0.5, 1]) {
    const y = top + plotH - plotH * f;
    doc.save().lineWidth(0.3).strokeColor('#bbb').moveTo(left, y).lineTo(left + plotW, y).stroke().restore();
    doc.fontSize(7).fillColor('#333').text(yuanGrouped(Math.round(max * f)), MARGIN - 6, y - 4, { width: 62, align: 'right', lineBreak: false });
  }
  const n = Math.max(chart.bars.length, 1);
  const slot = plotW / n;
  const barW = Math.min(40, slot * 0.6);
  chart.bars.forEach((b, i) => {
    const h = (b.fen / max) * plotH;
    const x = left + slot * i + (slot - barW) / 2;
    doc.save().rect(x, top + plotH - h, barW, h).fill('#2f6fb3').restore();
    doc.fontSize(7).fillColor('#000').text(yuanGrouped(b.fen), x - 20, top + plotH - h - 10, { width: barW + 40, align: 'center', lineBreak: false });
    doc.fontSize(7).text(b.label, x - 20, top + plotH + 4, { width: barW + 40, align: 'center', lineBreak: false });
  });
  if (!chart.bars.length) doc.fontSize(9).text('（无证据结算数据）', left + 10, top + plotH / 2, { lineBreak: false });
  doc.x = MARGIN;
  doc.y = top + plotH + 24;
}

function section(doc: PDFKit.PDFDocument, s: PdfSection): void {
  const width = doc.page.width - MARGIN * 2;
  doc.moveDown(0.6).fontSize(12).fillColor('#000').text(s.heading, MARGIN, doc.y, { width });
  doc.moveDown(0.2).fontSize(9.5);
  for (const line of s.lines) doc.text(line, MARGIN + 8, doc.y, { width: width - 8, lineGap: 2 });
}

function signatureBlock(doc: PDFKit.PDFDocument): void {
  const width = doc.page.width - MARGIN * 2;
  const height = 120;
  if (doc.y + height > doc.page.height - MARGIN) doc.addPage();
  doc.moveDown(1.2).fontSize(10.5).fillColor('#000');
  const top = doc.y;
  const half = width / 2;
  const line = (label: string, x: number, y0: number) => {
    doc.text(label, x, y0, { lineBreak: false });
    const lx = x + doc.widthOfString(label) + 4;
    doc.save().lineWidth(0.6).strokeColor('#000').moveTo(lx, y0 + 13).lineTo(x + half - 24, y0 + 13).stroke().restore();
  };
  line('承办人（签名）：', MARGIN, top);
  line('审核人（签名）：', MARGIN + half, top);
  line('日期：', MARGIN, top + 30);
  line('日期：', MARGIN + half, top + 30);
  doc.text('（医疗保障行政部门印章）', MARGIN + half, top + 64, { width: half - 24, align: 'center', lineBreak: false });
  doc.text('年    月    日', MARGIN + half, top + 84, { width: half - 24, align: 'center', lineBreak: false });
  doc.x = MARGIN;
  doc.y = top + 104;
}

/** 第 n 页 共 N 页, written on every buffered page once the page count is known. */
function pageNumbers(doc: PDFKit.PDFDocument): void {
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    // below the bottom margin: without lifting the margin pdfkit would start a new page
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc.fontSize(8).fillColor('#555').text(`第 ${i - range.start + 1} 页 共 ${range.count} 页`, MARGIN, doc.page.height - MARGIN / 2 - 4, {
      width: doc.page.width - MARGIN * 2,
      align: 'center',
      lineBreak: false,
    });
    doc.page.margins.bottom = bottom;
  }
}

export function renderCasePdf(d: CasePdfData): Promise<Buffer> {
  const fontPath = requireCjkFont();
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `${d.title} ${d.caseNo}`, Author: '门诊统筹基金监管系统', CreationDate: d.createdAt } });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('cjk', fontPath, CJK_FONT_NAME);
  doc.font('cjk');
  const width = doc.page.width - MARGIN * 2;
  doc.fontSize(18).text(d.title, MARGIN, MARGIN, { width, align: 'center' });
  doc.moveDown(0.3).fontSize(10).text(`案号：${d.caseNo}`, { width, align: 'center' });
  doc.moveDown(0.8).fontSize(9.5);
  for (const [k, v] of d.meta) doc.text(`${k}：${v}`, MARGIN, doc.y, { width });
  for (const s of d.sections) section(doc, s);
  doc.moveDown(0.8);
  drawChart(doc, d.chart);
  for (const s of d.after) section(doc, s);
  if (d.signature) signatureBlock(doc);
  doc.moveDown(1).fontSize(8).fillColor('#555').text(d.footer, MARGIN, doc.y, { width });
  pageNumbers(doc);
  doc.end();
  return done;
}
