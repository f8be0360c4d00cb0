/** Issue 18 items 7 and 9: one money and date formatter, one code-label table, page numbers kept in range, no developer text. */
import { describe, expect, it } from 'vitest';
import { userMessage } from '../components/error-panel';
import { loadClampedPage, clampPage, lastPage } from '../lib/dashboard/paging';
import { codeLabel, PSN_TYPE_LABEL } from '../lib/dashboard/labels';
import { itemTypeLabel } from '../lib/dashboard/profiles';
import { caseDocumentTitle } from '../lib/export/case-file';
import { explain, formatValue } from '../lib/alerts/explain';
import { ruleById } from '../lib/rules';
import { chinesePart, dateOnly, dateTime, dateTimeSeconds, isoShanghai, money, yuan, yuanGrouped } from '../lib/format';

describe('money', () => {
  it('has thousands separators everywhere, to the fen', () => {
    expect(yuan(1_079_954)).toBe('10,799.54 元');
    expect(yuanGrouped(1_079_954)).toBe('10,799.54');
    expect(yuanGrouped(-123_456_789)).toBe('-1,234,567.89');
    expect(yuanGrouped(5)).toBe('0.05');
    expect(money(123_456_789)).toBe('123.46 万元');
  });
});

describe('dates in Asia/Shanghai', () => {
  // 2026-12-01 23:41 UTC is 2026-12-02 07:41 in Shanghai: a list must not say 2026-12-01
  const t = new Date('2026-12-01T23:41:05Z');
  it('gives the Shanghai day and time whatever the server zone', () => {
    expect(dateOnly(t)).toBe('2026-12-02');
    expect(dateOnly(t.toISOString())).toBe('2026-12-02');
    expect(dateTime(t)).toBe('2026-12-02 07:41');
    expect(dateTimeSeconds(t)).toBe('2026-12-02 07:41:05');
    expect(dateTimeSeconds(new Date('2026-12-01T16:00:00Z'))).toBe('2026-12-02 00:00:00');
    expect(dateOnly('2024-03-05')).toBe('2024-03-05');
    expect(dateOnly(null)).toBe('—');
    expect(isoShanghai(t)).toBe('2026-12-02T07:41:05+08:00');
  });
});

describe('validator messages on a page', () => {
  it('keep the Chinese part only', () => {
    expect(chinesePart('金额无效 not an amount in yuan with at most 2 decimals: "abc"')).toBe('金额无效');
    expect(chinesePart('结算时间无效 (invalid setl_time) "2024-13-01"')).toBe('结算时间无效');
    expect(chinesePart('缺少 setl_id 列')).toBe('缺少 setl_id 列');
    expect(chinesePart('缺少必填字段 psn_no（人员编号）')).toBe('缺少必填字段 psn_no（人员编号）');
  });
});

describe('code labels (one table)', () => {
  it('shows each code with its label', () => {
    expect(codeLabel('psnType', '1101')).toBe('1101 在职');
    expect(codeLabel('psnType', '1201')).toBe('1201 退休');
    expect(codeLabel('psnType', '1301')).toBe('1301 离休');
    expect(PSN_TYPE_LABEL('1201')).toBe('退休');
    expect(codeLabel('medType', '11')).toBe('11 普通门诊');
    expect(codeLabel('medType', '41')).toBe('41 定点药店购药');
    expect(codeLabel('feeClass', 2)).toBe('2 二类');
    expect(codeLabel('chrgitmType', '09')).toBe('09 西药');
    expect(codeLabel('chrgitmLv', '02')).toBe('02 乙类');
    expect(codeLabel('hospLv', 3)).toBe('三级');
    expect(codeLabel('severity', 'high')).toBe('高');
    expect(codeLabel('status', 'confirmed')).toBe('已确认');
    expect(codeLabel('medType', '99')).toBe('99');
    expect(codeLabel('medType', null)).toBe('');
    expect(itemTypeLabel('10')).toBe('10 中药饮片');
  });
});

describe('case file title by stage', () => {
  it('names the document the stage warrants', () => {
    expect(caseDocumentTitle('filed', false)).toBe('立案审批表');
    expect(caseDocumentTitle('investigating', false)).toBe('调查终结报告');
    expect(caseDocumentTitle('notified', false)).toBe('行政处罚事先告知书');
    expect(caseDocumentTitle('legal_review', false)).toBe('行政处罚事先告知书');
    expect(caseDocumentTitle('decided', true)).toBe('处理决定书');
    expect(caseDocumentTitle('enforcing', true)).toBe('处理决定书');
    expect(caseDocumentTitle('closed', true)).toBe('处理决定书');
    expect(caseDocumentTitle('closed', false)).toBe('调查终结报告');
  });
});

describe('paging', () => {
  it('keeps a page number within 1…last', () => {
    expect(lastPage(0, 20)).toBe(1);
    expect(lastPage(41, 20)).toBe(3);
    expect(clampPage(999, 41, 20)).toBe(3);
    expect(clampPage(-4, 41, 20)).toBe(1);
    expect(clampPage(Number.NaN, 41, 20)).toBe(1);
  });

  it('loads the last page for a page past the end (also when the total comes from the page itself)', async () => {
    const rows = Array.from({ length: 45 }, (_, i) => i);
    const asked: number[] = [];
    // a list with an independent count, and one whose count is a window over the page (0 past the end)
    const counted = async (page: number) => (asked.push(page), { rows: rows.slice((page - 1) * 20, page * 20), total: rows.length });
    const windowed = async (page: number) => {
      asked.push(page);
      const r = rows.slice((page - 1) * 20, page * 20);
      return { rows: r, total: r.length ? rows.length : 0 };
    };
    expect(await loadClampedPage(999, 20, counted)).toMatchObject({ page: 3, rows: [40, 41, 42, 43, 44] });
    expect(await loadClampedPage(999, 20, windowed)).toMatchObject({ page: 3, rows: [40, 41, 42, 43, 44], total: 45 });
    asked.length = 0;
    expect(await loadClampedPage(2, 20, counted)).toMatchObject({ page: 2 });
    expect(asked).toEqual([2]);
    expect(await loadClampedPage(5, 20, async () => ({ rows: [], total: 0 }))).toMatchObject({ page: 1 });
  });
});

describe('error panel', () => {
  it('never shows React or Next developer text', () => {
    expect(userMessage({ message: 'Minified React error #441; visit https://react.dev/errors/441 for the full message' })).toBe('服务器处理请求时出错，请稍后重试。');
    expect(userMessage({ message: 'An error occurred in the Server Components render.', digest: '123' })).toBe('服务器处理请求时出错，请稍后重试。');
    expect(userMessage({ message: 'fetch failed' })).toBe('服务器处理请求时出错，请稍后重试。');
    expect(userMessage({ message: '所选期间无数据' })).toBe('所选期间无数据');
  });
});

describe('alert explanations', () => {
  it('write counts and thresholds with separators', () => {
    expect(formatValue('count', 12_345)).toBe('12,345');
    const rule = ruleById('DR-DAY-LOAD');
    if (!rule) throw new Error('DR-DAY-LOAD missing');
    const text = explain({ ...rule, template: '就诊 {value} 人次，阈值 {th.limit}' }, {
      rule_id: rule.id, region_code: '140500', subject_type: 'doctor', subject_id: 'D1', period_key: '2024-03', period_start: '2024-03-01', period_end: '2024-03-31', value: 1234, threshold: 1000,
    } as Parameters<typeof explain>[1], { limit: { value: 5000 } });
    expect(text).toBe('就诊 1,234 人次，阈值 5,000');
  });
});
