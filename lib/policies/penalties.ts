/**
 * Sanction ranges, discretion tiers and case deadlines as data: `policies/penalties/default.json`,
 * validated with zod. Every number there cites its clause (seed 000 §七.3; 《医疗保障基金使用监督管理条例》
 * 第三十八、四十、四十一条; 《行政处罚法》). Nothing in lib/penalties or lib/cases hard-codes a range.
 */
import path from 'node:path';
import { z } from 'zod';
import { parseJsonFile } from './json-file';

const basis = z.string().min(4);
const range = z
  .object({ min: z.number().positive(), max: z.number().positive(), basis })
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

const tier = z.object({
  id: z.string().min(1),
  label: z.string().min(1),
  multiple: z.number().positive(),
  months: z.number().int().positive(),
  fineMultiple: z.number().positive(),
  basis,
});

export const penaltyPolicySchema = z
  .object({
    id: z.string().min(1),
    document: z.string().min(1),
    sources: z.array(z.object({ doc: z.string().min(1), clause: z.string().min(1), text: z.string().min(10) })).min(1),
    institution: z.object({ multiple: range }),
    insured: z.object({ months: range, fineMultiple: range }),
    discretion: z.object({
      basis,
      amountBands: z.array(z.object({ minYuan: z.number().min(0), points: z.number().int(), label: z.string().min(1), basis })).min(1),
      factors: z.object({
        repeat: z.object({ points: z.number().int(), label: z.string(), basis }),
        fraud: z.object({ points: z.number().int(), label: z.string(), basis }),
        cooperation: z.object({ points: z.number().int(), label: z.string(), basis }),
      }),
      tiers: z.array(tier).min(1),
    }),
    procedure: z.object({
      statementDays: z.object({ value: z.number().int().positive(), unit: z.literal('working_days'), basis }),
      decisionDays: z.object({ value: z.number().int().positive(), unit: z.literal('days'), basis }),
      paymentDays: z.object({ value: z.number().int().positive(), unit: z.literal('days'), basis }),
      legalReviewYuan: z.object({ institution: z.number().min(0), doctor: z.number().min(0), insured: z.number().min(0), basis }),
      // years: the years whose State Council holiday notice is entered in full (dates outside them only skip weekends)
      holidays: z.object({ years: z.array(z.number().int().min(2000).max(2100)).min(1), dates: z.array(isoDate), basis }),
    }),
  })
  .superRefine((p, ctx) => {
    p.procedure.holidays.dates.forEach((d, i) => {
      if (!p.procedure.holidays.years.includes(Number(d.slice(0, 4))))
        ctx.addIssue({ code: 'custom', path: ['procedure', 'holidays', 'dates', i], message: `${d} is in a year not listed in holidays.years` });
    });
    // A tier outside the legal range would let a proposal escape it: refuse the file instead.
    p.discretion.tiers.forEach((t, i) => {
      const bad = (field: string, v: number, r: { min: number; max: number }) => {
        if (v < r.min || v > r.max) ctx.addIssue({ code: 'custom', path: ['discretion', 'tiers', i, field], message: `${v} outside [${r.min}, ${r.max}]` });
      };
      bad('multiple', t.multiple, p.institution.multiple);
      bad('months', t.months, p.insured.months);
      bad('fineMultiple', t.fineMultiple, p.insured.fineMultiple);
    });
    const mins = p.discretion.amountBands.map((b) => b.minYuan);
    if (mins[0] !== 0 || mins.some((m, i) => i > 0 && m <= (mins[i - 1] ?? 0))) {
      ctx.addIssue({ code: 'custom', path: ['discretion', 'amountBands'], message: 'bands must start at 0 and ascend' });
    }
  });

export type PenaltyPolicy = z.infer<typeof penaltyPolicySchema>;

let cache: { file: string; policy: PenaltyPolicy } | undefined;

export function penaltyPolicyFile(): string {
  return path.resolve(process.cwd(), 'policies', 'penalties', 'default.json');
}

export function loadPenaltyPolicy(file = penaltyPolicyFile()): PenaltyPolicy {
  if (cache?.file === file) return cache.policy;
  const policy = parseJsonFile(file, penaltyPolicySchema, '处罚裁量文件');
  cache = { file, policy };
  return policy;
}
