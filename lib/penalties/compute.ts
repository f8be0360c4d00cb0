/**
 * The sanction of seed 000 §七.3 (晋市医保发〔2022〕22号) within 条例 第三十八、四十、四十一条, as pure functions.
 * Institution: principal = fund paid on the violating items + the insured's own payment on them;
 *   liquidated damages = multiple × violation amount (fund paid), multiple in the policy range (2–5).
 * Insured: refund = the benefit wrongly received; networked settlement suspended N months (3–12),
 *   [start, end) with end = start + N calendar months (day clamped to the month's last day), i.e. the end
 *   date is the first day settlement works again; a fine of 2–5× the amount only when it is fraud (骗取).
 * Out-of-range input is an InputError naming the field — never clamped.
 */
import { z } from 'zod';
import { InputError } from '../errors';
import { documentBinds } from '../policies/basis';
import { loadPenaltyPolicy, type PenaltyPolicy } from '../policies/penalties';
import { addMonths, parseIsoDate, todayShanghai } from './dates';
import { yuanDecimal, yuanGrouped } from '../format';
import { fieldZh, parseMultiple, parseYuan, times } from './money';
import { proposeTier, type TierChoice } from './tiers';

const num = z.union([z.string(), z.number()]);

export const penaltyRequestSchema = z
  .object({
    subject: z.enum(['institution', 'insured']),
    amount: num,
    ownPay: num.optional(),
    multiple: num.optional(),
    fraud: z.boolean().default(false),
    repeat: z.boolean().default(false),
    cooperation: z.boolean().default(false),
    months: num.optional(),
    start: z.string().optional(),
  })
  .strict();

export type PenaltyRequest = z.input<typeof penaltyRequestSchema>;

const FIELD: Record<string, string> = { ownPay: 'own-pay' };

export interface InstitutionCalc {
  subject: 'institution';
  policyId: string;
  amountFen: number;
  ownPayFen: number;
  principalFen: number;
  damagesFen: number;
  totalFen: number;
  /** hundredths: 250 = 2.5× */
  multiple: number;
  multipleSource: 'tier' | 'given';
  tier: TierChoice;
  fraud: boolean;
  basis: string;
}

export interface InsuredCalc {
  subject: 'insured';
  policyId: string;
  amountFen: number;
  refundFen: number;
  months: number;
  monthsSource: 'tier' | 'given';
  suspensionStart: string;
  /** exclusive: the first day networked settlement works again */
  suspensionEnd: string;
  fineFen: number;
  /** hundredths, null without fraud */
  fineMultiple: number | null;
  multipleSource: 'tier' | 'given' | null;
  totalFen: number;
  tier: TierChoice;
  fraud: boolean;
  basis: string;
}

export type PenaltyCalc = InstitutionCalc | InsuredCalc;

function inRange(hundredths: number, r: { min: number; max: number }, field: string, what: string): void {
  if (hundredths < Math.round(r.min * 100) || hundredths > Math.round(r.max * 100)) {
    throw new InputError(`${what} ${hundredths / 100} 倍超出法定幅度 ${r.min}–${r.max} 倍`, { field });
  }
}

/** The discretion policy as a person reads it: the name its document opens with (before the colon). */
export function policyName(policy: PenaltyPolicy): string {
  const i = policy.document.search(/[：:]/);
  return i > 0 ? policy.document.slice(0, i) : policy.document;
}

function showMultiple(h: number): string {
  return String(h / 100);
}

/**
 * The sanction policy's local source (a city's clause such as 晋市医保发〔2022〕22号 七.3, the one document of its sources not
 * cited as a national law《…》) is 依据 only in a region it binds. Elsewhere the regulation alone is cited, and the local
 * range the discretion follows is named as 参照, never as 依据. Without a region (the `penalty` command) the policy's own
 * sources are cited as written.
 */
function localSanction(policy: PenaltyPolicy, region: string | undefined): { binds: boolean; cite: string } {
  const local = policy.sources.find((s) => !s.doc.startsWith('《'));
  if (!local) return { binds: false, cite: '' };
  return { binds: region === undefined || documentBinds(local.doc, region), cite: `${local.doc} ${local.clause}` };
}

export function computePenalty(request: PenaltyRequest, opts: { policy?: PenaltyPolicy; today?: string; region?: string } = {}): PenaltyCalc {
  const parsed = penaltyRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    const field = FIELD[key] ?? key;
    throw new InputError(field === 'subject' ? '处罚对象应为 institution（机构）或 insured（参保人）' : `${field ? fieldZh(field) : '输入'}无效或缺失`, { field: field || undefined });
  }
  const r = parsed.data;
  const policy = opts.policy ?? loadPenaltyPolicy();
  const amountFen = parseYuan(r.amount, 'amount');
  if (amountFen <= 0) throw new InputError('违规金额必须大于 0', { field: 'amount' });
  const tier = proposeTier(policy, amountFen, r);
  const tierText = `裁量档次 ${tier.label}（分值 ${tier.score}：${tier.reasons.join('，')}）`;
  const local = localSanction(policy, opts.region);
  const reference = local.cite ? `，参照 ${local.cite}，该文件不作为本地区处理依据` : '';

  if (r.subject === 'institution') {
    if (r.months !== undefined) throw new InputError('暂停月数仅适用于参保人', { field: 'months' });
    if (r.start !== undefined) throw new InputError('暂停起始日期仅适用于参保人', { field: 'start' });
    const ownPayFen = r.ownPay === undefined ? 0 : parseYuan(r.ownPay, 'own-pay');
    const range = policy.institution.multiple;
    const given = r.multiple !== undefined;
    const multiple = given ? parseMultiple(r.multiple ?? '', 'multiple') : Math.round(tier.multiple * 100);
    inRange(multiple, range, 'multiple', '违约金倍数');
    const principalFen = amountFen + ownPayFen;
    const damagesFen = times(amountFen, multiple);
    const article = r.fraud ? '《医疗保障基金使用监督管理条例》第四十条（骗取）' : '《医疗保障基金使用监督管理条例》第三十八条';
    const principalText = `追回违规本金（统筹支付 ${yuanGrouped(amountFen)} 元 + 个人自付 ${yuanGrouped(ownPayFen)} 元）`;
    const basis = [
      ...(local.binds
        ? [`${local.cite}：${principalText}，加收违规金额 ${showMultiple(multiple)} 倍违约金（幅度 ${range.min}–${range.max} 倍）`, article]
        : [`${article}：责令退回，${principalText}；违约金 ${showMultiple(multiple)} 倍（本系统裁量幅度 ${range.min}–${range.max} 倍${reference}）`]),
      given ? `倍数由使用者指定（${tierText} 建议 ${tier.multiple} 倍）` : `倍数取${tierText}`,
      `裁量基准：${policyName(policy)}`,
    ].join('；');
    return {
      subject: 'institution',
      policyId: policy.id,
      amountFen,
      ownPayFen,
      principalFen,
      damagesFen,
      totalFen: principalFen + damagesFen,
      multiple,
      multipleSource: given ? 'given' : 'tier',
      tier,
      fraud: r.fraud,
      basis,
    };
  }

  if (r.ownPay !== undefined) throw new InputError('个人自付金额仅适用于机构', { field: 'own-pay' });
  if (r.multiple !== undefined && !r.fraud) {
    throw new InputError('罚款倍数仅适用于骗取情形，须同时认定骗取', { field: 'multiple' });
  }
  const mr = policy.insured.months;
  let months: number;
  if (r.months === undefined) months = tier.months;
  else {
    const s = String(r.months).trim();
    if (!/^\d{1,3}$/.test(s)) throw new InputError(`暂停月数应为整数：${s || '（空）'}`, { field: 'months' });
    months = Number(s);
  }
  if (months < mr.min || months > mr.max) {
    throw new InputError(`暂停月数 ${months} 个月超出法定幅度 ${mr.min}–${mr.max} 个月`, { field: 'months' });
  }
  const start = r.start === undefined ? (opts.today ?? todayShanghai()) : parseIsoDate(r.start, 'start');
  const end = addMonths(start, months);
  let fineMultiple: number | null = null;
  if (r.fraud) {
    fineMultiple = r.multiple !== undefined ? parseMultiple(r.multiple, 'multiple') : Math.round(tier.fineMultiple * 100);
    inRange(fineMultiple, policy.insured.fineMultiple, 'multiple', '罚款倍数');
  }
  const fineFen = fineMultiple === null ? 0 : times(amountFen, fineMultiple);
  const fr = policy.insured.fineMultiple;
  const basis = [
    `${local.binds ? `${local.cite}、` : ''}《医疗保障基金使用监督管理条例》第四十一条：退还违规享受待遇 ${yuanGrouped(amountFen)} 元，暂停医疗费用联网结算 ${months} 个月（幅度 ${mr.min}–${mr.max}，${start} 起至 ${end} 前）`,
    fineMultiple === null ? '非骗取情形，不处罚款' : `属骗取，处骗取金额 ${showMultiple(fineMultiple)} 倍罚款（幅度 ${fr.min}–${fr.max} 倍）`,
    [
      r.months === undefined ? '月数按裁量档次' : '月数由使用者指定',
      ...(r.fraud ? [r.multiple === undefined ? '罚款倍数按裁量档次' : '罚款倍数由使用者指定'] : []),
      `${tierText}，建议 ${tier.months} 个月${r.fraud ? `、${tier.fineMultiple} 倍` : ''}`,
    ].join('，'),
    `裁量基准：${policyName(policy)}`,
  ].join('；');
  return {
    subject: 'insured',
    policyId: policy.id,
    amountFen,
    refundFen: amountFen,
    months,
    monthsSource: r.months === undefined ? 'tier' : 'given',
    suspensionStart: start,
    suspensionEnd: end,
    fineFen,
    fineMultiple,
    multipleSource: fineMultiple === null ? null : r.multiple !== undefined ? 'given' : 'tier',
    totalFen: amountFen + fineFen,
    tier,
    fraud: r.fraud,
    basis,
  };
}

/** The CONTRACT.md `penalty` output (keys and order fixed). */
export function penaltyContract(c: PenaltyCalc): Record<string, string | number> {
  if (c.subject === 'institution') {
    return { principal: yuanDecimal(c.principalFen), damages: yuanDecimal(c.damagesFen), total: yuanDecimal(c.totalFen), multiple: c.multiple / 100, basis: c.basis };
  }
  return {
    refund: yuanDecimal(c.refundFen),
    suspension_start: c.suspensionStart,
    suspension_end: c.suspensionEnd,
    months: c.months,
    fine: yuanDecimal(c.fineFen),
    total: yuanDecimal(c.totalFen),
    basis: c.basis,
  };
}

export function penaltyHuman(c: PenaltyCalc): string {
  if (c.subject === 'institution') {
    return [
      `追回本金 principal: ${yuanDecimal(c.principalFen)} 元`,
      `违约金 damages: ${yuanDecimal(c.damagesFen)} 元（${c.multiple / 100} 倍）`,
      `合计 total: ${yuanDecimal(c.totalFen)} 元`,
      `依据 basis: ${c.basis}`,
    ].join('\n');
  }
  return [
    `退还 refund: ${yuanDecimal(c.refundFen)} 元`,
    `暂停联网结算 suspension: ${c.suspensionStart} 起 ${c.months} 个月，${c.suspensionEnd} 恢复（不含该日）`,
    `罚款 fine: ${yuanDecimal(c.fineFen)} 元${c.fineMultiple === null ? '' : `（${c.fineMultiple / 100} 倍）`}`,
    `合计 total: ${yuanDecimal(c.totalFen)} 元`,
    `依据 basis: ${c.basis}`,
  ].join('\n');
}
