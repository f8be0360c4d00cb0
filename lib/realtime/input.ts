/**
 * The bodies of NHSA 3101 / 3102 / 3103 as the national interface spells them (../shared/CONTRACT.md "Real-time
 * check"), validated with zod. A body that does not parse is refused whole with the path of the first bad field
 * (`input.data.patient_dtos[0].fsi_encounter_dtos[0].mdtrt_id`) and a Chinese message; amounts are decimal 元 (number
 * or string) and become integer fen here, times are Asia/Shanghai when they carry no offset.
 */
import { z } from 'zod';
import { parseSetlTime, yuanToFen } from '../ingest/validate';

/** 3101 is asked before the visit is paid (registration, prescription: trig_scen 1–5), 3102 at (pre-)settlement (6–10). */
export const TRIG_SCEN: Record<'3101' | '3102', readonly string[]> = {
  '3101': ['1', '2', '3', '4', '5'],
  '3102': ['6', '7', '8', '9', '10'],
};

const text = (what: string) =>
  z.union([z.string(), z.number()], { message: `缺少${what}或格式错误` }).transform((v) => String(v).trim()).refine((v) => v.length > 0 && v.length <= 200, `${what}不能为空且不超过 200 字`);
const optText = z
  .union([z.string(), z.number(), z.null()])
  .optional()
  .transform((v) => (v === null || v === undefined || String(v).trim() === '' ? null : String(v).trim().slice(0, 200)));

const fen = (what: string) =>
  z.union([z.string(), z.number()], { message: `缺少${what}或格式错误` }).transform((v, ctx) => {
    const f = yuanToFen(v);
    if (f === null || f < 0) {
      ctx.addIssue({ code: 'custom', message: `${what}应为不小于 0 的金额（元，最多两位小数）` });
      return z.NEVER;
    }
    return f;
  });

export interface LocalTime {
  /** timestamptz literal */
  literal: string;
  /** YYYY-MM-DD in Asia/Shanghai */
  date: string;
  /** epoch milliseconds */
  ms: number;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function readTime(v: string): LocalTime | null {
  const s = v.trim();
  const t = parseSetlTime(DATE_ONLY.test(s) ? `${s} 00:00:00` : s);
  if (!t) return null;
  const ms = Date.parse(t.literal.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'));
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms + 8 * 3_600_000).toISOString().slice(0, 10);
  return { literal: t.literal, date, ms };
}

const time = (what: string, optional = false) =>
  z
    .union([z.string(), z.null()])
    .optional()
    .transform((v, ctx) => {
      if (v === null || v === undefined || v.trim() === '') {
        if (!optional) ctx.addIssue({ code: 'custom', message: `缺少${what}` });
        return null;
      }
      const t = readTime(v);
      if (!t) ctx.addIssue({ code: 'custom', message: `${what}应为 yyyy-MM-dd 或 yyyy-MM-dd HH:mm:ss` });
      return t;
    });

const order = z.object(
  {
    rx_id: text('处方（医嘱）号 rx_id'),
    hilist_code: text('医保目录编码 hilist_code'),
    hilist_name: optText,
    hilist_type: optText,
    cnt: z.union([z.string(), z.number(), z.null()]).optional(),
    pric: z.union([z.string(), z.number(), z.null()]).optional(),
    sumamt: fen('明细金额 sumamt'),
    drord_begn_date: time('医嘱开始日期 drord_begn_date', true),
    drord_stop_date: time('医嘱停止日期 drord_stop_date', true),
    drord_dr_codg: optText,
  },
  { message: '处方明细应为对象' },
);

const diagnose = z.object({ dise_codg: optText, dise_name: optText, maindiag_flag: optText }, { message: '诊断应为对象' });

const encounter = z.object(
  {
    mdtrt_id: text('就诊号 mdtrt_id'),
    medins_id: text('定点医药机构编号 medins_id'),
    medins_admdvs: optText,
    medins_lv: optText,
    adm_date: time('就诊（入院）日期 adm_date'),
    /** not in the contract's list: an inpatient stay's discharge date, when the system sends it */
    dscg_date: time('出院日期 dscg_date', true),
    dr_codg: optText,
    med_type: text('医疗类别 med_type'),
    medfee_sumamt: fen('医疗费总额 medfee_sumamt'),
    fsi_diagnose_dtos: z.array(diagnose, { message: '诊断列表 fsi_diagnose_dtos 应为数组' }).max(100).optional().default([]),
    fsi_order_dtos: z.array(order, { message: '处方明细列表 fsi_order_dtos 应为数组' }).max(500, '处方明细最多 500 条').optional().default([]),
  },
  { message: '就诊信息应为对象' },
);

const patient = z.object(
  {
    patn_id: text('参保人编号 patn_id'),
    patn_name: optText,
    gend: optText,
    brdy: optText,
    poolarea: optText,
    curr_mdtrt_id: optText,
    fsi_encounter_dtos: z.array(encounter, { message: '缺少就诊列表 fsi_encounter_dtos' }).min(1, '就诊列表 fsi_encounter_dtos 不能为空').max(50),
  },
  { message: '患者信息应为对象' },
);

export const checkBody = z.object(
  {
    input: z.object(
      {
        data: z.object(
          {
            trig_scen: text('触发场景 trig_scen'),
            task_id: optText,
            rule_ids: z.array(z.string(), { message: '规则列表 rule_ids 应为字符串数组' }).max(100).nullable().optional(),
            patient_dtos: z.array(patient, { message: '缺少患者列表 patient_dtos' }).min(1, '患者列表 patient_dtos 不能为空').max(20),
          },
          { message: '缺少 data' },
        ),
      },
      { message: '缺少 input' },
    ),
  },
  { message: '请求体应为对象' },
);
export type CheckBody = z.infer<typeof checkBody>;
export type PatientDto = CheckBody['input']['data']['patient_dtos'][number];
export type EncounterDto = PatientDto['fsi_encounter_dtos'][number];
export type OrderDto = EncounterDto['fsi_order_dtos'][number];

export const feedbackBody = z.object(
  {
    input: z.object(
      {
        data: z.object(
          {
            warn_rslt_dtos: z
              .array(
                z.object(
                  {
                    jr_id: text('预警编号 jr_id'),
                    dspo_way: z.union([z.string(), z.number()], { message: '缺少处理方式 dspo_way' }).transform((v) => String(v).trim()).refine((v) => v === '1' || v === '2', '处理方式 dspo_way 应为 1（继续执行）或 2（已修改）'),
                    dspo_wayrea: optText,
                  },
                  { message: '预警处理应为对象' },
                ),
                { message: '缺少预警处理列表 warn_rslt_dtos' },
              )
              .min(1, '预警处理列表 warn_rslt_dtos 不能为空')
              .max(200),
          },
          { message: '缺少 data' },
        ),
      },
      { message: '缺少 input' },
    ),
  },
  { message: '请求体应为对象' },
);
export type FeedbackBody = z.infer<typeof feedbackBody>;

/** `input.data.patient_dtos[0].patn_id` from a zod path. */
export function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; field: string | null; message: string };

export function parseBody<T>(schema: z.ZodType<T>, raw: unknown): Parsed<T> {
  const r = schema.safeParse(raw);
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const field = issue ? fieldPath(issue.path) || null : null;
  return { ok: false, field, message: field ? `字段 ${field} 无效：${issue?.message ?? ''}` : `请求无效：${issue?.message ?? ''}` };
}
