/**
 * The impact of a scenario as an Excel workbook (exceljs): summary with the changed clauses, by month,
 * institution level, person type, institution, the distribution of persons' yearly fund pay and the
 * most-changed settlements with their calculation and clauses; with a second scenario, a comparison sheet.
 * Amounts are numbers in 元 (two decimals) so Excel sums them; personal numbers are masked.
 */
import ExcelJS from 'exceljs';
import { maskId } from '../auth/mask';
import type { MoneyPair } from './run';
import { changeLabel, changeValue, type Impact } from './view';

const y = (fen: number) => Math.round(fen) / 100;
const LEVEL: Record<string, string> = { '1': '一级及以下', '2': '二级', '3': '三级', pharmacy: '定点零售药店' };
const PSN: Record<string, string> = { in_service: '在职', retired: '退休' };
const MONEY_HEAD = ['统筹支付 现行（元）', '统筹支付 方案（元）', '变化（元）', '个人负担 现行（元）', '个人负担 方案（元）'];
const moneyCells = (m: MoneyPair) => [y(m.fund.before), y(m.fund.after), y(m.fund.after - m.fund.before), y(m.self.before), y(m.self.after)];

function sheet(wb: ExcelJS.Workbook, name: string, head: string[], rows: Array<Array<string | number | boolean | null>>) {
  const ws = wb.addWorksheet(name);
  ws.addRow(head).font = { bold: true };
  for (const r of rows) ws.addRow(r);
  ws.views = [{ state: 'frozen', ySplit: 1 }];
  ws.columns.forEach((c, i) => {
    c.width = Math.min(60, Math.max(10, (head[i]?.length ?? 8) * 2 + 2));
  });
  return ws;
}

export async function impactWorkbook(a: Impact, b: Impact | null): Promise<Buffer> {
  const r = a.result;
  const wb = new ExcelJS.Workbook();
  wb.creator = '门诊统筹基金监管';
  sheet(wb, '概要', ['项目', '值'], [
    ['方案', `${a.saved.name}（${a.saved.body.id}）`],
    ['地区', a.saved.regionCode],
    ['起点政策', a.saved.basePolicyId],
    ['拟定人', a.saved.authorName],
    ['期间', `${r.from} 至 ${r.to}（年度累计自 ${r.from.slice(0, 4)}-01-01 起）`],
    ['结算人次', r.visits],
    ['参保人数', r.persons],
    ['统筹支付 现行（元）', y(r.total.fund.before)],
    ['统筹支付 方案（元）', y(r.total.fund.after)],
    ['统筹支付 变化（元）', y(r.total.fund.after - r.total.fund.before)],
    ['个人负担 现行（元）', y(r.total.self.before)],
    ['个人负担 方案（元）', y(r.total.self.after)],
    ['达到年度限额人数 现行', r.cappedPersons.before],
    ['达到年度限额人数 方案', r.cappedPersons.after],
    ['无适用政策的结算', r.errors],
    ...r.changes.map((c) => [`调整：${changeLabel(c.field)}`, `${changeValue(c.field, c.before)} → ${changeValue(c.field, c.after)}（现行依据 ${c.cite.doc.replace(/\s*\(seed \d+\)\s*$/, '')} ${c.cite.clause}）`]),
  ]).getColumn(2).width = 80;
  sheet(wb, '按月', ['月份', ...MONEY_HEAD], r.byMonth.map((m) => [m.month, ...moneyCells(m)]));
  sheet(wb, '按机构等级', ['机构等级', ...MONEY_HEAD], r.byLevel.map((m) => [LEVEL[m.level] ?? m.level, ...moneyCells(m)]));
  sheet(wb, '按人员类别', ['人员类别', ...MONEY_HEAD], r.byPsnType.map((m) => [PSN[m.psnType] ?? m.psnType, ...moneyCells(m)]));
  sheet(wb, '按机构', ['机构编码', '机构名称', '人次', ...MONEY_HEAD], r.byInstitution.map((i) => [i.code, a.names.get(i.code) ?? '', i.visits, ...moneyCells(i)]));
  sheet(wb, '年度支付分布', ['每人年度统筹支付', '人数 现行', '人数 方案'], r.distribution.map((d) => [d.label, d.before, d.after]));
  sheet(
    wb,
    '变化最大的结算',
    ['结算ID', '结算日期', '参保人', '人员类别', '机构', '医疗费总额（元）', '统筹 现行（元）', '统筹 方案（元）', '变化（元）', '现行政策版本', '现行起付（元）', '现行比例', '现行依据', '方案版本', '方案起付（元）', '方案比例', '方案依据'],
    r.changed.map((v) => [
      v.setlId, v.date, maskId(v.psnNo), v.retired ? '退休' : '在职', a.names.get(v.fixmedinsCode) ?? v.fixmedinsCode, y(v.medfeeSumamt), y(v.before.fundPay), y(v.after.fundPay),
      y(v.after.fundPay - v.before.fundPay), v.before.policyId, y(v.before.deductible), v.before.rateBp / 10000, v.before.clause, v.after.policyId, y(v.after.deductible), v.after.rateBp / 10000, v.after.clause,
    ]),
  );
  if (b) {
    const rb = b.result;
    sheet(wb, '方案对比', ['指标', '现行', a.saved.name, b.saved.name], [
      ['统筹支付（元）', y(r.total.fund.before), y(r.total.fund.after), y(rb.total.fund.after)],
      ['个人负担（元）', y(r.total.self.before), y(r.total.self.after), y(rb.total.self.after)],
      ['达到年度限额人数', r.cappedPersons.before, r.cappedPersons.after, rb.cappedPersons.after],
      ...r.byMonth.map((m) => [`统筹支付 ${m.month}（元）`, y(m.fund.before), y(m.fund.after), y(rb.byMonth.find((x) => x.month === m.month)?.fund.after ?? 0)]),
    ]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}
