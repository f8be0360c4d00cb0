/**
 * 案卷导出: one ZIP with the decision report (PDF, Chinese font embedded, chart), the evidence claims and fee
 * lines (XLSX, Chinese headers), the alerts and the calculation (CSV and JSON) and manifest.json with the SHA-256
 * of every other file. Personal identifiers are masked unless the user holds 'reveal' and asked for it.
 * Permission first; the export is read and audited in one scoped transaction (no file without its audit row).
 */
import { and, asc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { audit } from '../audit';
import { maskId, maskName } from '../auth/mask';
import { assertCan } from '../auth/permissions';
import type { Db, Tx } from '../db/client';
import { adjudications, feeDetails, regions, settlements } from '../db/schema';
import { scoped, type Actor } from '../db/scoped';
import { loadCaseDetail, loadEvidence } from '../cases/queries';
import { STAGE_LABEL, STAGES, type Stage } from '../cases/stages';
import type { CasePenalty } from '../cases/types';
import { PAYMENT_KIND_ZH } from '../cases/payments';
import { penaltyContract } from '../penalties/compute';
import { codeLabel, RESULT_LABEL, SEVERITY_LABEL, SUBJECT_TYPE_LABEL } from '../dashboard/labels';
import { dateOnly, dateTimeSeconds, isoShanghai, yuanDecimal, yuanGrouped } from '../format';
import { ruleById } from '../rules';
import { documentBinds, resolveBasis } from '../policies/basis';
import { loadPenaltyPolicy } from '../policies/penalties';
import { renderCasePdf, type PdfSection } from './case-pdf';
import { toCsv } from './csv';
import { renderXlsx } from './evidence-xlsx';
import { sha256, zipBuffer, type ZipEntry } from './zip';

export interface ExportOptions {
  reveal?: boolean;
  now?: Date;
}

const SUBJECT_ZH: Record<string, string> = { institution: '定点医药机构', doctor: '医师', insured: '参保人' };

const shanghai = (d: Date, withTime = true) => (withTime ? dateTimeSeconds(d) : dateOnly(d));

const yuan = (fen: number | null | undefined) => (fen === null || fen === undefined ? null : Number(yuanDecimal(fen)));
/** Amount text in the PDF: separators, the unit written after it by the sentence. */
const y = (fen: number) => yuanGrouped(fen);

/** A rule's indicator value and threshold as the CSV/JSON carry them: 元 (not fen) for money rules, with the unit named. */
const UNIT_ZH: Record<string, string> = { yuan: '元', percent: '比例', days: '天', minutes: '分钟', count: '次', ratio: '倍' };
function indicator(ruleId: string, v: number | null): { value: string; unit: string } {
  const unit = ruleById(ruleId)?.unit;
  if (v === null || v === undefined || !Number.isFinite(v)) return { value: '', unit: unit ? (UNIT_ZH[unit] ?? unit) : '' };
  if (unit === 'yuan') return { value: yuanDecimal(Math.round(v)), unit: '元' };
  return { value: String(Math.round(v * 10000) / 10000), unit: unit ? (UNIT_ZH[unit] ?? unit) : '' };
}

/**
 * The document the file is at its stage (《医疗保障行政处罚程序暂行规定》): before the investigation the case is a
 * 立案审批表, during it the 调查终结报告 is being prepared, once notified the 事先告知书 is the latest paper the party
 * holds (also during 法制审核), and only a decided case has a 处理决定书. A case closed without a decision
 * (终止调查) ends with the investigation report.
 */
export function caseDocumentTitle(stage: string, decided: boolean): string {
  switch (stage) {
    case 'filed':
      return '立案审批表';
    case 'investigating':
      return '调查终结报告';
    case 'notified':
    case 'legal_review':
      return '行政处罚事先告知书';
    case 'closed':
      return decided ? '处理决定书' : '调查终结报告';
    default:
      return '处理决定书';
  }
}

/** calculation.csv rows: the penalty contract's keys in Chinese. */
const CONTRACT_ZH: Record<string, string> = {
  principal: '追回违规本金（元）',
  damages: '违约金（元）',
  total: '处理合计（元）',
  multiple: '违约金倍数',
  refund: '退还违规享受待遇（元）',
  suspension_start: '暂停联网结算起始日',
  suspension_end: '恢复联网结算日（不含）',
  months: '暂停联网结算月数',
  fine: '罚款（元）',
  basis: '计算依据',
};

type Evidence = Awaited<ReturnType<typeof loadEvidence>>;

/** At most this many settlements of one person are listed for an alert that cites none (a year's use). */
const PERSON_CLAIMS_MAX = 2000;

/**
 * An insured person's alert on a whole period (TOP-FUND: a year's use) cites no settlement ids; its evidence is
 * the person's own settlements in that period, so the file lists them and charts them by their months.
 */
async function withPersonClaims(tx: Tx, region: string, alertRows: Array<{ subjectType: string; subjectId: string; periodStart: string; periodEnd: string; evidence: unknown }>, ev: Evidence): Promise<Evidence> {
  const bare = alertRows.filter((a) => a.subjectType === 'insured' && !((a.evidence as { setl_ids?: unknown[] } | null)?.setl_ids ?? []).length);
  if (!bare.length) return ev;
  const claims = new Map(ev.claims.map((x) => [`${x.setlId}|${x.setlTime.getTime()}`, x]));
  const lines = new Map(ev.lines.map((l) => [`${l.setlId}|${l.feedetlSn}`, l]));
  for (const a of bare) {
    const from = sql`${a.periodStart}::date::timestamp at time zone 'Asia/Shanghai'`;
    const to = sql`(${a.periodEnd}::date + 1)::timestamp at time zone 'Asia/Shanghai'`;
    const own = await tx
      .select()
      .from(settlements)
      .where(and(eq(settlements.admdvs, region), eq(settlements.psnNo, a.subjectId), gte(settlements.setlTime, from), lt(settlements.setlTime, to)))
      .orderBy(asc(settlements.setlTime), asc(settlements.setlId))
      .limit(PERSON_CLAIMS_MAX);
    for (const x of own) claims.set(`${x.setlId}|${x.setlTime.getTime()}`, x);
    const ids = own.map((x) => x.setlId);
    if (!ids.length) continue;
    const own2 = await tx
      .select()
      .from(feeDetails)
      .where(and(eq(feeDetails.admdvs, region), eq(feeDetails.psnNo, a.subjectId), inArray(feeDetails.setlId, ids), gte(feeDetails.setlTime, from), lt(feeDetails.setlTime, to)));
    for (const l of own2) lines.set(`${l.setlId}|${l.feedetlSn}`, l);
  }
  const byTime = <T extends { setlTime: Date; setlId: string }>(a: T, b: T) => a.setlTime.getTime() - b.setlTime.getTime() || a.setlId.localeCompare(b.setlId);
  return { claims: [...claims.values()].sort(byTime), lines: [...lines.values()].sort((a, b) => byTime(a, b) || a.feedetlSn.localeCompare(b.feedetlSn)) };
}

export async function exportCaseFile(db: Db, actor: Actor, caseId: number, opts: ExportOptions = {}) {
  assertCan(actor, 'export');
  if (opts.reveal) assertCan(actor, 'reveal');
  const reveal = opts.reveal === true;
  const now = opts.now ?? new Date();
  const policy = loadPenaltyPolicy();
  return scoped(db, actor, async (tx) => {
    const d = await loadCaseDetail(tx, actor, caseId);
    const c = d.case;
    const ev = await withPersonClaims(tx, c.regionCode, d.alerts, await loadEvidence(tx, c.regionCode, d.alerts));
    const penalty = c.penalty as CasePenalty | null;

    // Every person number we hold for this case, so free text (explanations) can be masked too.
    const psnNos = new Set<string>(ev.claims.map((x) => x.psnNo));
    if (c.subjectType === 'insured') psnNos.add(c.subjectId);
    const mPsn = (v: string) => (reveal ? v : maskId(v));
    const mText = (t: string) => {
      if (reveal) return t;
      let s = t;
      for (const p of [...psnNos].sort((a, b) => b.length - a.length)) s = s.split(p).join(maskId(p));
      if (c.subjectType === 'insured' && c.subjectName) s = s.split(c.subjectName).join(maskName(c.subjectName));
      return s;
    };
    const subjectId = c.subjectType === 'insured' ? mPsn(c.subjectId) : c.subjectId;
    const subjectName = c.subjectType === 'insured' ? (reveal ? (c.subjectName ?? '') : maskName(c.subjectName)) : (c.subjectName ?? '');

    // ---- alerts (CSV + JSON)
    const alertRows = d.alerts.map((a) => {
      const value = indicator(a.ruleId, a.value);
      return {
        id: a.id,
        rule_id: a.ruleId,
        rule_name: ruleById(a.ruleId)?.nameZh ?? a.ruleId,
        region_code: a.regionCode,
        subject_type: a.subjectType,
        subject_id: a.subjectType === 'insured' ? mPsn(a.subjectId) : a.subjectId,
        period_start: a.periodStart,
        period_end: a.periodEnd,
        result_type: a.resultType,
        severity: a.severity,
        amount: yuanDecimal(a.amount),
        // in the rule's unit: 元 for money rules (stored as fen), like amount
        value: value.value,
        threshold: indicator(a.ruleId, a.threshold).value,
        unit: value.unit,
        explanation: mText(a.explanation),
        clause: a.clause,
        setl_ids: ((a.evidence as { setl_ids?: string[] } | null)?.setl_ids ?? []).length,
      };
    });
    const alertsCsv = toCsv(
      ['预警ID', '规则编号', '规则名称', '统筹区', '对象类型', '对象', '期间起', '期间止', '结果类型', '严重程度', '涉及金额（元）', '指标值', '阈值', '指标单位', '说明', '依据', '证据结算笔数'],
      alertRows.map((a) => [
        a.id,
        a.rule_id,
        a.rule_name,
        a.region_code,
        SUBJECT_TYPE_LABEL[a.subject_type] ?? a.subject_type,
        a.subject_id,
        a.period_start,
        a.period_end,
        RESULT_LABEL[a.result_type] ?? a.result_type,
        SEVERITY_LABEL[a.severity] ?? a.severity,
        a.amount,
        a.value,
        a.threshold,
        a.unit,
        a.explanation,
        a.clause,
        a.setl_ids,
      ]),
    );

    // ---- calculation (JSON + CSV)
    const calculation = {
      case_no: c.caseNo,
      subject_type: c.subjectType,
      violation_amount: yuanDecimal(c.violationAmount),
      own_pay_amount: yuanDecimal(c.ownPayAmount),
      // recomputed from the stored calculation: jsonb does not keep the contract's key order
      penalty: penalty ? penaltyContract(penalty.calc) : null,
      tier: penalty ? { id: penalty.calc.tier.id, label: penalty.calc.tier.label, score: penalty.calc.tier.score, reasons: penalty.calc.tier.reasons } : null,
      proposed: penalty?.proposed ?? null,
      override: penalty?.override ?? null,
      penalty_total: yuanDecimal(c.penaltyTotal),
      recovered: yuanDecimal(c.recoveredAmount),
      outstanding: yuanDecimal(c.penaltyTotal - c.recoveredAmount),
      payments: d.payments.map((p) => ({ kind: p.kind, amount: yuanDecimal(p.amount), paid_on: p.paidOn })),
      policy_id: penalty?.calc.policyId ?? policy.id,
      sources: policy.sources.map((s) => `${s.doc} ${s.clause}`),
    };
    const calcCsv = toCsv(
      ['项目', '金额或数值', '说明'],
      [
        ['违规金额（统筹支付）', yuanDecimal(c.violationAmount), ''],
        ...Object.entries(penalty ? penaltyContract(penalty.calc) : {}).map(([k, v]) => [CONTRACT_ZH[k] ?? k, String(v), ''] as [string, string, string]),
        ['应收总额', yuanDecimal(c.penaltyTotal), ''],
        ['已收', yuanDecimal(c.recoveredAmount), ''],
        ['未收', yuanDecimal(c.penaltyTotal - c.recoveredAmount), ''],
        ['偏离建议理由', penalty?.override?.reason ?? '', penalty?.override ? '倍数或月数偏离裁量档次建议' : ''],
      ],
    );

    // ---- evidence XLSX: each claim beside the fund payment re-computed under the policy in force (the basis of PAY-DIFF)
    const setlIds = ev.claims.map((x) => x.setlId);
    const recomputed = new Map<string, { fundPay: number; policyId: string | null }>();
    if (setlIds.length) {
      const adj = await tx
        .select({ setlId: adjudications.setlId, setlTime: adjudications.setlTime, fundPay: adjudications.fundPay, policyId: adjudications.policyId })
        .from(adjudications)
        .where(and(eq(adjudications.admdvs, c.regionCode), inArray(adjudications.setlId, setlIds)));
      for (const r of adj) recomputed.set(`${r.setlId}|${r.setlTime.getTime()}`, { fundPay: r.fundPay, policyId: r.policyId });
    }
    const claimRows = ev.claims.map((x) => {
      const re = recomputed.get(`${x.setlId}|${x.setlTime.getTime()}`);
      return {
      setl_id: x.setlId,
      setl_time: shanghai(x.setlTime),
      psn_no: mPsn(x.psnNo),
      psn_type: codeLabel('psnType', x.psnType),
      admdvs: x.admdvs,
      fixmedins_code: x.fixmedinsCode,
      fixmedins_type: x.fixmedinsType === 'pharmacy' ? '定点药店' : '医院',
      hosp_lv: codeLabel('hospLv', x.hospLv),
      fee_class: codeLabel('feeClass', x.feeClass),
      med_type: codeLabel('medType', x.medType),
      medfee: yuan(x.medfeeSumamt),
      inscp: yuan(x.inscpScpAmt),
      ownpay: yuan(x.fulamtOwnpayAmt),
      preself: yuan(x.preselfpayAmt),
      hifp: yuan(x.hifpPay),
      recomputed: re ? yuan(re.fundPay) : null,
      diff: re && x.hifpPay !== null ? yuan(x.hifpPay - re.fundPay) : null,
      policy: re?.policyId ?? '',
      acct: yuan(x.acctPay),
      cash: yuan(x.psnCashPay),
      refd: x.refdSetlFlag ? '是' : '否',
      };
    });
    const lineRows = ev.lines.map((l) => ({
      feedetl_sn: l.feedetlSn,
      setl_id: l.setlId,
      setl_time: shanghai(l.setlTime),
      psn_no: mPsn(l.psnNo),
      fixmedins_code: l.fixmedinsCode,
      type: codeLabel('chrgitmType', l.medChrgitmType),
      lv: codeLabel('chrgitmLv', l.chrgitmLv),
      code: l.hilistCode,
      name: l.hilistName,
      cnt: l.cnt === null ? null : Number(l.cnt),
      pric: l.pric === null ? null : Number(l.pric),
      amt: yuan(l.detItemFeeSumamt),
      dr: l.bilgDrCodg,
      dept: l.bilgDeptCodg,
      days: l.medcDays,
    }));
    const xlsx = await renderXlsx(
      [
        {
          name: '证据结算',
          columns: [
            { header: '结算ID', key: 'setl_id', width: 20 },
            { header: '结算时间', key: 'setl_time', width: 20 },
            { header: '参保人编号', key: 'psn_no', width: 18 },
            { header: '人员类别', key: 'psn_type', width: 12 },
            { header: '统筹区', key: 'admdvs', width: 10 },
            { header: '定点机构编码', key: 'fixmedins_code', width: 16 },
            { header: '机构类型', key: 'fixmedins_type', width: 10 },
            { header: '医院等级', key: 'hosp_lv', width: 10 },
            { header: '收费类别', key: 'fee_class', width: 10 },
            { header: '医疗类别', key: 'med_type', width: 16 },
            { header: '医疗费总额(元)', key: 'medfee', money: true },
            { header: '符合政策范围金额(元)', key: 'inscp', money: true },
            { header: '全自费金额(元)', key: 'ownpay', money: true },
            { header: '先行自付金额(元)', key: 'preself', money: true },
            { header: '统筹基金支付(元)', key: 'hifp', money: true },
            { header: '统筹支付（按政策重算）(元)', key: 'recomputed', money: true, width: 16 },
            { header: '差额（实付−重算）(元)', key: 'diff', money: true, width: 16 },
            { header: '重算政策版本', key: 'policy', width: 22 },
            { header: '个人账户支付(元)', key: 'acct', money: true },
            { header: '个人现金支付(元)', key: 'cash', money: true },
            { header: '退费结算', key: 'refd', width: 8 },
          ],
          rows: claimRows,
        },
        {
          name: '费用明细',
          columns: [
            { header: '明细流水号', key: 'feedetl_sn', width: 22 },
            { header: '结算ID', key: 'setl_id', width: 20 },
            { header: '结算时间', key: 'setl_time', width: 20 },
            { header: '参保人编号', key: 'psn_no', width: 18 },
            { header: '定点机构编码', key: 'fixmedins_code', width: 16 },
            { header: '医疗收费项目类别', key: 'type', width: 14 },
            { header: '收费项目等级', key: 'lv', width: 12 },
            { header: '医保目录编码', key: 'code', width: 20 },
            { header: '医保目录名称', key: 'name', width: 24 },
            { header: '数量', key: 'cnt', width: 8 },
            { header: '单价(元)', key: 'pric', width: 10 },
            { header: '明细项目费用总额(元)', key: 'amt', money: true },
            { header: '开单医生编码', key: 'dr', width: 14 },
            { header: '开单科室编码', key: 'dept', width: 12 },
            { header: '用药天数', key: 'days', width: 8 },
          ],
          rows: lineRows,
        },
      ],
      now,
    );

    // ---- chart data: settled fund on the evidence claims by month (or the alerts' amounts when no claims)
    const byMonth = new Map<string, number>();
    if (ev.claims.length) {
      for (const x of ev.claims) {
        const m = shanghai(x.setlTime, false).slice(0, 7);
        byMonth.set(m, (byMonth.get(m) ?? 0) + (x.hifpPay ?? 0));
      }
    } else {
      for (const a of d.alerts) byMonth.set(a.periodStart.slice(0, 7), (byMonth.get(a.periodStart.slice(0, 7)) ?? 0) + a.amount);
    }
    const bars = [...byMonth.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([label, fen]) => ({ label, fen }));

    // ---- PDF
    const decided = d.events.some((e) => e.toStage === 'decided');
    const stageIdx = STAGES.indexOf(c.stage as Stage);
    const decisionLines: string[] = [];
    if (penalty?.calc.subject === 'institution') {
      const k = penalty.calc;
      decisionLines.push(
        `追回违规本金 ${y(k.principalFen)} 元（统筹基金支付 ${y(k.amountFen)} 元 + 个人自付 ${y(k.ownPayFen)} 元）`,
        `加收违约金 ${y(k.damagesFen)} 元（违规金额 ${y(k.amountFen)} 元 × ${k.multiple / 100} 倍）`,
        `合计 ${y(k.totalFen)} 元`,
      );
    } else if (penalty?.calc.subject === 'insured') {
      const k = penalty.calc;
      decisionLines.push(
        `退还违规享受待遇 ${y(k.refundFen)} 元`,
        `暂停医疗费用联网结算 ${k.months} 个月：自 ${k.suspensionStart} 起，至 ${k.suspensionEnd} 恢复（不含该日）`,
        k.fineMultiple === null ? '非骗取情形，不处罚款' : `罚款 ${y(k.fineFen)} 元（骗取金额 ${y(k.amountFen)} 元 × ${k.fineMultiple / 100} 倍）`,
        `合计 ${y(k.totalFen)} 元`,
      );
    } else decisionLines.push('尚未计算处罚。');
    if (penalty) {
      decisionLines.push(`裁量档次：${penalty.calc.tier.label}（分值 ${penalty.calc.tier.score}：${penalty.calc.tier.reasons.join('，')}）`);
      if (penalty.override) decisionLines.push(`偏离建议档次的理由：${penalty.override.reason}`);
      decisionLines.push(`计算依据：${penalty.calc.basis}`);
    }
    const settledSum = ev.claims.reduce((s, x) => s + (x.hifpPay ?? 0), 0);
    let recomputedN = 0;
    let recomputedSum = 0;
    let settledOfRecomputed = 0;
    for (const x of ev.claims) {
      const re = recomputed.get(`${x.setlId}|${x.setlTime.getTime()}`);
      if (!re || x.hifpPay === null) continue;
      recomputedN += 1;
      recomputedSum += re.fundPay;
      settledOfRecomputed += x.hifpPay;
    }
    const sections: PdfSection[] = [
      {
        heading: '一、违规事实（预警）',
        lines: d.alerts.length
          ? d.alerts.map((a, i) => `${i + 1}. [${a.ruleId} ${ruleById(a.ruleId)?.nameZh ?? ''}] ${a.periodStart}～${a.periodEnd}，涉及金额 ${y(a.amount)} 元。${mText(a.explanation)}`)
          : ['（无关联预警）'],
      },
      {
        heading: '二、证据',
        lines: [
          `证据结算 ${ev.claims.length} 笔，费用明细 ${ev.lines.length} 条（见 evidence.xlsx）；证据结算统筹基金支付合计 ${y(settledSum)} 元。`,
          ...(recomputedN
            ? [`其中 ${recomputedN} 笔按在用政策重算统筹支付合计 ${y(recomputedSum)} 元，实付与重算之差 ${y(settledOfRecomputed - recomputedSum)} 元（逐笔见 evidence.xlsx「统筹支付（按政策重算）」「差额」列）。`]
            : []),
        ],
      },
    ];
    // Only documents that bind the case's region: the alerts' clauses resolved for it (what was breached), then the
    // sanction sources; a clause quoted by both once, in the sources' fuller words.
    const sources = policy.sources
      .filter((s) => documentBinds(s.doc, c.regionCode))
      .filter((s) => (c.subjectType === 'insured' ? !s.clause.startsWith('第三十八') && !s.clause.startsWith('第四十条') : !s.clause.startsWith('第四十一')));
    const cited = [...d.alerts.flatMap((a) => resolveBasis(a.ruleId, c.regionCode).basis), ...sources];
    const basisLines = cited
      .filter((s, i) => cited.findIndex((t) => t.doc === s.doc && t.clause === s.clause) === i)
      .map((s) => `${s.doc} ${s.clause}：${(sources.find((t) => t.doc === s.doc && t.clause === s.clause) ?? s).text}`);
    const after: PdfSection[] = [
      { heading: '三、处理依据', lines: basisLines },
      { heading: decided ? '四、处理决定' : stageIdx >= STAGES.indexOf('notified') ? '四、拟作出的处理' : '四、拟处理意见', lines: decisionLines },
      {
        heading: '五、办理过程',
        lines: d.events.map(
          (e) =>
            `${shanghai(e.at)}  ${e.fromStage && e.fromStage !== e.toStage ? `${STAGE_LABEL[e.fromStage as Stage] ?? e.fromStage} → ` : ''}${STAGE_LABEL[e.toStage as Stage] ?? e.toStage}  ${e.userName ?? ''}：${mText(e.comment ?? '')}`,
        ),
      },
      {
        heading: '六、执行情况',
        lines: [
          `应收 ${y(c.penaltyTotal)} 元，已收 ${y(c.recoveredAmount)} 元，未收 ${y(c.penaltyTotal - c.recoveredAmount)} 元。`,
          ...d.payments.map((p) => `${p.paidOn} ${PAYMENT_KIND_ZH[p.kind] ?? p.kind} ${y(p.amount)} 元${p.comment ? `（${p.comment}）` : ''}`),
          ...d.suspensions.map((s) => `暂停联网结算：${s.startDate} 起至 ${s.endDate} 前`),
        ],
      },
    ];
    const [region] = await tx.select({ name: regions.name }).from(regions).where(eq(regions.code, c.regionCode));
    const pdf = await renderCasePdf({
      title: `门诊统筹基金违规案件${caseDocumentTitle(c.stage, decided)}`,
      caseNo: c.caseNo,
      meta: [
        ['当事人', `${SUBJECT_ZH[c.subjectType] ?? c.subjectType} ${subjectName} （${subjectId}）`],
        ['统筹区', region ? `${region.name}（${c.regionCode}）` : c.regionCode],
        ['案由', mText(c.title)],
        ['立案日期', shanghai(c.openedAt, false)],
        ['当前阶段', STAGE_LABEL[c.stage as Stage] ?? c.stage],
        ['违规金额（统筹支付）', `${y(c.violationAmount)} 元`],
        ['处理总额', `${y(c.penaltyTotal)} 元`],
        ...(c.statementDeadline ? ([['陈述申辩、听证申请截止', c.statementDeadline]] as Array<[string, string]>) : []),
        ...(c.decisionDue ? ([['决定期限', c.decisionDue]] as Array<[string, string]>) : []),
        ...(c.paymentDue ? ([['缴款期限', c.paymentDue]] as Array<[string, string]>) : []),
      ],
      sections,
      chart: { title: ev.claims.length ? '证据结算统筹基金支付（按月，元）' : '预警涉及金额（按月，元）', bars },
      after,
      signature: true,
      footer: `导出：${actor.name}，${shanghai(now)}（北京时间）；${reveal ? '含未脱敏个人信息，注意保密' : '个人标识已脱敏'}；文件校验值见 manifest.json。`,
      createdAt: now,
    });

    const entries: ZipEntry[] = [
      { name: 'decision-report.pdf', data: pdf },
      { name: 'evidence.xlsx', data: xlsx },
      { name: 'alerts.csv', data: alertsCsv },
      { name: 'alerts.json', data: Buffer.from(JSON.stringify(alertRows, null, 2)) },
      { name: 'calculation.json', data: Buffer.from(JSON.stringify(calculation, null, 2)) },
      { name: 'calculation.csv', data: calcCsv },
    ];
    const manifest = {
      case_no: c.caseNo,
      case_id: c.id,
      region_code: c.regionCode,
      generated_at: isoShanghai(now),
      generated_by: actor.name,
      masked: !reveal,
      algorithm: 'sha256',
      files: entries.map((e) => ({ name: e.name, bytes: e.data.length, sha256: sha256(e.data) })),
    };
    entries.push({ name: 'manifest.json', data: Buffer.from(JSON.stringify(manifest, null, 2)) });
    const zip = await zipBuffer(entries, now);
    await audit(tx, actor, {
      action: 'case.export',
      entity: 'case',
      entityId: c.id,
      regionCode: c.regionCode,
      after: { masked: !reveal, zipSha256: sha256(zip), files: manifest.files },
    });
    return { fileName: `case-${c.caseNo}.zip`, zip, manifest };
  });
}
