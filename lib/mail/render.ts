/**
 * Subject, HTML and plain text of the weekly digest (zh-CN). HTML uses inline styles and tables
 * because mail clients ignore style sheets. Personal identifiers of insured persons are masked
 * (lib/auth/mask.ts): the mail leaves the system and may be forwarded.
 */
import { maskId, maskName } from '../auth/mask';
import { SUBJECT_TYPE_LABEL } from '../dashboard/labels';
import { money } from '../format';
import { STAGE_LABEL, isStage } from '../cases/stages';
import { appUrl } from '../env';
import { rules as allRules } from '../rules';
import { DEADLINE_WINDOW_DAYS as DEADLINE_DAYS, SEVERITIES, SEVERITY_LABEL, type CaseNearDeadline, type TopSubject } from './digest-data';
import type { DigestData } from './digest';
import { addDays } from './week';

const SUBJECT_LABEL = SUBJECT_TYPE_LABEL;

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function change(cur: number, prev: number): string {
  const d = cur - prev;
  if (d === 0) return prev === 0 ? '持平（均为 0）' : '持平';
  const sign = d > 0 ? '+' : '−';
  if (prev === 0) return `${sign}${Math.abs(d)}（上周为 0）`;
  return `${sign}${Math.abs(d)}（${sign}${((Math.abs(d) / prev) * 100).toFixed(1)}%）`;
}

export function regionLabel(d: DigestData): string {
  const names = d.regions.map((r) => r.name);
  if (names.length <= 3) return names.join('、');
  return `${names[0]}等${names.length}个统筹区`;
}

export function renderSubject(d: DigestData): string {
  return `【门诊统筹监管周报】${d.week.year}年第${d.week.week}周 ${regionLabel(d)} 新增预警 ${d.total} 条`;
}

function subjectShown(type: string, id: string, name: string | null): { id: string; name: string } {
  if (type === 'insured') return { id: maskId(id), name: maskName(name) };
  return { id, name: name ?? '' };
}

function caseTitle(c: CaseNearDeadline): string {
  if (c.subjectType !== 'insured') return c.title;
  let t = c.title.split(c.subjectId).join(maskId(c.subjectId));
  if (c.subjectName) t = t.split(c.subjectName).join(maskName(c.subjectName));
  return t;
}

function deadlineText(c: CaseNearDeadline): string {
  if (c.daysLeft < 0) return `已逾期 ${-c.daysLeft} 天`;
  if (c.daysLeft === 0) return '今日到期';
  return `剩余 ${c.daysLeft} 天`;
}

const stageName = (s: string) => (isStage(s) ? STAGE_LABEL[s] : s);
const alertUrl = (id: number) => `${appUrl()}/alerts/${id}`;
const caseUrl = (id: number) => `${appUrl()}/cases/${id}`;

function scopeText(d: DigestData): string {
  const ruleNames = d.scope.rules.length ? d.scope.rules.map((id) => allRules.find((r) => r.id === id)?.nameZh ?? id).join('、') : '全部规则';
  const sev = SEVERITIES.slice(0, SEVERITIES.indexOf(d.scope.minSeverity) + 1).map((s) => SEVERITY_LABEL[s]).join('、');
  return `统筹区：${d.regions.map((r) => `${r.name}（${r.code}）`).join('、')}；规则：${ruleNames}；严重程度：${sev}`;
}

function period(d: DigestData): string {
  return `${d.week.monday} 至 ${addDays(d.week.monday, 6)}`;
}

/** Which detection week the mail reports and which data those alerts were found in: two different periods. */
function coverage(d: DigestData): string {
  const week = `检测周：${d.week.year}年第${d.week.week}周（${period(d)} 期间新发现的预警）`;
  const data = d.dataPeriod ? `数据期间：${d.dataPeriod.from} 至 ${d.dataPeriod.to}（这些预警所依据的结算数据）` : '数据期间：本周无新增预警';
  return `${week}；${data}`;
}

const th = 'style="text-align:left;padding:6px 8px;border-bottom:2px solid #d0d7de;background:#f6f8fa;font-weight:600"';
const td = 'style="padding:6px 8px;border-bottom:1px solid #eaeef2;vertical-align:top"';
const tdr = 'style="padding:6px 8px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap"';
const table = 'style="border-collapse:collapse;width:100%;font-size:13px;margin:8px 0 20px"';
const h2 = 'style="font-size:16px;margin:24px 0 4px;color:#1f2328"';

function topRowsHtml(d: DigestData): string {
  if (!d.topSubjects.length) return '<p style="color:#57606a">本周没有新增预警。</p>';
  const rows = d.topSubjects.map((t: TopSubject, i) => {
    const s = subjectShown(t.subjectType, t.subjectId, t.subjectName);
    const region = d.regions.find((r) => r.code === t.regionCode)?.name ?? t.regionCode;
    const links = t.alertIds.map((id) => `<a href="${esc(alertUrl(id))}" style="color:#0969da">#${id}</a>`).join(' ');
    return `<tr><td ${tdr}>${i + 1}</td><td ${td}>${esc(region)}</td><td ${td}>${esc(SUBJECT_LABEL[t.subjectType] ?? t.subjectType)}</td><td ${td}>${esc(s.id)}</td><td ${td}>${esc(s.name)}</td><td ${tdr}>${t.n}</td><td ${td}>${SEVERITY_LABEL[t.maxSeverity]}</td><td ${tdr}>${money(t.amount)}</td><td ${td}>${links}</td></tr>`;
  });
  return `<table ${table}><thead><tr><th ${th}>#</th><th ${th}>统筹区</th><th ${th}>对象</th><th ${th}>编号</th><th ${th}>名称</th><th ${th}>预警数</th><th ${th}>最高严重程度</th><th ${th}>涉及金额</th><th ${th}>预警</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function rulesHtml(d: DigestData): string {
  if (!d.rules.length) return '<p style="color:#57606a">本周与上周均无新增预警。</p>';
  const rows = d.rules.map(
    (r) =>
      `<tr><td ${td}>${esc(r.ruleName)}<br><span style="color:#57606a;font-size:11px">${esc(r.ruleId)}</span></td>${SEVERITIES.map((s) => `<td ${tdr}>${r.bySeverity[s]}</td>`).join('')}<td ${tdr}><b>${r.n}</b></td><td ${tdr}>${r.previous}</td><td ${tdr}>${esc(change(r.n, r.previous))}</td><td ${tdr}>${money(r.amount)}</td></tr>`,
  );
  const total = `<tr><td ${td}><b>合计</b></td>${SEVERITIES.map((s) => `<td ${tdr}><b>${d.bySeverity[s]}</b></td>`).join('')}<td ${tdr}><b>${d.total}</b></td><td ${tdr}>${d.previousTotal}</td><td ${tdr}>${esc(change(d.total, d.previousTotal))}</td><td ${tdr}>${money(d.amount)}</td></tr>`;
  return `<table ${table}><thead><tr><th ${th}>规则</th>${SEVERITIES.map((s) => `<th ${th}>${SEVERITY_LABEL[s]}</th>`).join('')}<th ${th}>本周</th><th ${th}>上周</th><th ${th}>环比</th><th ${th}>涉及金额</th></tr></thead><tbody>${rows.join('')}${total}</tbody></table>`;
}

function casesHtml(d: DigestData): string {
  if (!d.cases.length) return `<p style="color:#57606a">没有 ${DEADLINE_DAYS} 天内到期或已逾期的在办案件。</p>`;
  const rows = d.cases.map((c) => {
    const s = subjectShown(c.subjectType, c.subjectId, c.subjectName);
    const region = d.regions.find((r) => r.code === c.regionCode)?.name ?? c.regionCode;
    const color = c.daysLeft < 0 ? '#c0392b' : '#9a6700';
    return `<tr><td ${td}><a href="${esc(caseUrl(c.id))}" style="color:#0969da">${esc(c.caseNo)}</a></td><td ${td}>${esc(region)}</td><td ${td}>${esc(caseTitle(c))}<br><span style="color:#57606a;font-size:11px">${esc(SUBJECT_LABEL[c.subjectType] ?? c.subjectType)} ${esc(s.id)} ${esc(s.name)}</span></td><td ${td}>${esc(stageName(c.stage))}</td><td ${td}>${c.stageDeadline}</td><td ${td} style="color:${color};white-space:nowrap">${deadlineText(c)}</td></tr>`;
  });
  return `<table ${table}><thead><tr><th ${th}>案件编号</th><th ${th}>统筹区</th><th ${th}>案件</th><th ${th}>阶段</th><th ${th}>阶段期限</th><th ${th}>状态</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}


export function renderHtml(d: DigestData, chartSrc: string, chartType: string): string {
  const kpi = (label: string, value: string, sub = '') =>
    `<td style="padding:10px 12px;border:1px solid #d0d7de;border-radius:6px;width:25%"><div style="color:#57606a;font-size:12px">${label}</div><div style="font-size:22px;font-weight:600;margin-top:2px">${value}</div><div style="color:#57606a;font-size:12px">${sub}</div></td>`;
  const sev = SEVERITIES.map((s) => `${SEVERITY_LABEL[s]} ${d.bySeverity[s]}`).join(' / ');
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(renderSubject(d))}</title></head>
<body style="margin:0;padding:0;background:#ffffff;font-family:'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',sans-serif;color:#1f2328">
<div style="max-width:760px;margin:0 auto;padding:16px">
<h1 style="font-size:20px;margin:0 0 4px">门诊统筹监管周报 · ${d.week.year}年第${d.week.week}周</h1>
<p style="margin:0 0 4px;color:#57606a">${esc(d.recipient.name)}，您好：以下是 ${esc(period(d))}（${esc(regionLabel(d))}）新发现的预警和临近期限的案件。</p>
<p style="margin:0 0 12px;color:#57606a;font-size:13px" data-coverage>${esc(coverage(d))}</p>
<table style="border-collapse:separate;border-spacing:8px 0;width:100%;margin:0 -8px"><tr>
${kpi('本周新增预警', `${d.total} 条`, sev)}
${kpi('较上周', esc(change(d.total, d.previousTotal)), `上周 ${d.previousTotal} 条`)}
${kpi('涉及金额', money(d.amount), '预警对象的统筹基金支付')}
${kpi('临近期限案件', `${d.cases.length} 件`, `待处理预警 ${d.backlog} 条`)}
</tr></table>
<h2 ${h2}>新增预警（按规则与严重程度）</h2>
<img src="${esc(chartSrc)}" alt="本周新增预警图表（${esc(chartType)}）" width="640" height="320" style="display:block;max-width:100%;height:auto;border:1px solid #eaeef2;margin:8px 0">
${rulesHtml(d)}
<h2 ${h2}>重点对象（按新增预警数）</h2>
${topRowsHtml(d)}
<h2 ${h2}>临近期限的在办案件（${DEADLINE_DAYS} 天内到期或已逾期，截至 ${d.asOf}）</h2>
${casesHtml(d)}
${d.regions.length > 1 ? `<p style="font-size:13px">各统筹区新增：${d.regions.map((r) => `${esc(r.name)} ${r.n} 条`).join('；')}</p>` : ''}
<hr style="border:none;border-top:1px solid #d0d7de;margin:24px 0 8px">
<p style="font-size:12px;color:#57606a;line-height:1.6">订阅范围：${esc(scopeText(d))}。<br>
参保人编号和姓名已脱敏；查看完整信息请登录系统（查看操作会被记录）。<br>
<a href="${esc(`${appUrl()}/alerts`)}" style="color:#0969da">打开预警列表</a> · <a href="${esc(`${appUrl()}/settings`)}" style="color:#0969da">管理订阅</a></p>
</div></body></html>`;
}

export function renderText(d: DigestData): string {
  const out: string[] = [];
  out.push(`门诊统筹监管周报 · ${d.week.year}年第${d.week.week}周（${period(d)}）`);
  out.push(`${d.recipient.name}，您好：以下是 ${regionLabel(d)} 本周新发现的预警和临近期限的案件。`, coverage(d), '');
  out.push(`本周新增预警 ${d.total} 条（${SEVERITIES.map((s) => `${SEVERITY_LABEL[s]} ${d.bySeverity[s]}`).join('，')}），涉及金额 ${money(d.amount)}`);
  out.push(`较上周：${change(d.total, d.previousTotal)}，上周 ${d.previousTotal} 条`);
  out.push(`待处理预警 ${d.backlog} 条；临近期限案件 ${d.cases.length} 件`, '');
  out.push('一、新增预警（按规则）');
  if (!d.rules.length) out.push('  本周与上周均无新增预警。');
  for (const r of d.rules) {
    out.push(`  - ${r.ruleName}（${r.ruleId}）：本周 ${r.n} 条（${SEVERITIES.map((s) => `${SEVERITY_LABEL[s]} ${r.bySeverity[s]}`).join('，')}），上周 ${r.previous} 条，环比 ${change(r.n, r.previous)}，涉及 ${money(r.amount)}`);
  }
  out.push('', '二、重点对象');
  if (!d.topSubjects.length) out.push('  本周没有新增预警。');
  d.topSubjects.forEach((t, i) => {
    const s = subjectShown(t.subjectType, t.subjectId, t.subjectName);
    const region = d.regions.find((r) => r.code === t.regionCode)?.name ?? t.regionCode;
    out.push(`  ${i + 1}. ${region} ${SUBJECT_LABEL[t.subjectType] ?? t.subjectType} ${s.id} ${s.name}：${t.n} 条，最高${SEVERITY_LABEL[t.maxSeverity]}，涉及 ${money(t.amount)}`);
    for (const id of t.alertIds) out.push(`     ${alertUrl(id)}`);
  });
  out.push('', `三、临近期限的在办案件（${DEADLINE_DAYS} 天内到期或已逾期，截至 ${d.asOf}）`);
  if (!d.cases.length) out.push('  无。');
  for (const c of d.cases) {
    out.push(`  - ${c.caseNo} ${caseTitle(c)}：${stageName(c.stage)}，期限 ${c.stageDeadline}，${deadlineText(c)}`);
    out.push(`     ${caseUrl(c.id)}`);
  }
  out.push('', `订阅范围：${scopeText(d)}。`, '参保人编号和姓名已脱敏；查看完整信息请登录系统。', `管理订阅：${appUrl()}/settings`);
  return `${out.join('\n')}\n`;
}
