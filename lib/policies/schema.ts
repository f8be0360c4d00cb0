/**
 * The shape of a regional benefit policy version (policies/<id>.json). Every number carries its
 * citation: the seed document and clause it comes from, with the clause text quoted.
 */
import { z } from 'zod';

const clauseRef = z.object({
  doc: z.string().min(2),
  clause: z.string().min(1),
  text: z.string().min(2),
});

/**
 * `doc` must bind the policy's region (its own, its province's or a national document; checked in
 * tests/policy-basis.test.ts against policies/basis/catalogue.json). Another region's clause read by
 * analogy goes in `reference`: shown as 参照 beside the cite, never printed in an adjudication's `clause`.
 */
export const citeSchema = clauseRef.extend({ reference: clauseRef.strict().optional() }).strict();
export type Cite = z.infer<typeof citeSchema>;

const fen = z.number().int().nonnegative();
const bp = z.number().int().min(0).max(10000);
/** Keys are Shanxi 收费类别 '1' | '2' | '3' or institution level '1' | '2' | '3', plus 'pharmacy'. */
const byKey = z.record(z.enum(['1', '2', '3', 'pharmacy']), fen);
const rateByKey = z.record(z.enum(['1', '2', '3', 'pharmacy']), bp);

export const exclusionCodes = [
  'non_designated',
  'no_card',
  'pharmacy_no_rx',
  'out_of_area_temporary',
  'arrears',
  'suspended',
  'inpatient_overlap',
  'separate_benefit',
  'below_deductible',
  'above_cap',
  'out_of_catalogue',
  'pharmacy_not_covered',
] as const;
export type ExclusionCode = (typeof exclusionCodes)[number];

export const policySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    name: z.string().min(2),
    region_name: z.string().min(2),
    document: z.object({ title: z.string(), number: z.string(), seed: z.string(), issued: z.string().optional() }),
    region_prefixes: z.array(z.string().regex(/^\d{2,6}$/)).min(1),
    effective_from: z.iso.date(),
    effective_to: z.iso.date().nullable(),
    effective_cite: citeSchema,
    /** what selects the deductible and rate: Shanxi fee class (收费类别) or institution level */
    basis: z.enum(['fee_class', 'level']),
    deductible: z.discriminatedUnion('mode', [
      z.object({ mode: z.literal('per_visit'), amounts_fen: byKey, annual_cap_fen: fen.nullable(), cite: citeSchema, cap_cite: citeSchema.optional() }),
      z.object({ mode: z.literal('annual'), annual_fen: fen, cite: citeSchema }),
    ]),
    rates_bp: z.object({ in_service: rateByKey, retired: rateByKey, cite: citeSchema }),
    /** `pharmacy_counts` false: what a pharmacy pays neither counts toward nor is limited by the cap (a what-if; default true) */
    annual_cap_fen: z.object({ in_service: fen, retired: fen, cite: citeSchema, pharmacy_counts: z.boolean().optional() }),
    /** false: retail pharmacies are outside the pooling fund (a what-if scenario; default true, every published version) */
    pharmacies_covered: z.boolean().optional(),
    class_b_first_self_pay_bp: z.object({ value: bp.nullable(), cite: citeSchema }),
    exclusions: z.array(z.object({ code: z.enum(exclusionCodes), cite: citeSchema })).min(1),
    prescription_days: z.object({
      ordinary_general: z.number().int().positive(),
      ordinary_max: z.number().int().positive(),
      chronic_general: z.number().int().positive(),
      chronic_max: z.number().int().positive(),
      cite: citeSchema,
    }),
    separate_benefits: z
      .array(z.object({ med_type: z.string(), name: z.string(), rates_bp: z.object({ in_service: bp, retired: bp }).optional(), cite: citeSchema }))
      .default([]),
    /**
     * Sanction ranges when the document itself gives them (晋市医保发〔2022〕22号 七.3); null when it is
     * silent (the discretion tiers live in policies/penalties/).
     */
    penalties: z
      .object({
        institution: z.object({
          recover_principal_including_own_pay: z.boolean(),
          damages_multiple: z.object({ min: z.number().positive(), max: z.number().positive() }),
          cite: citeSchema,
        }),
        insured: z.object({
          suspension_months: z.object({ min: z.number().int().positive(), max: z.number().int().positive() }),
          fraud_fine_multiple: z.object({ min: z.number().positive(), max: z.number().positive() }),
          cite: citeSchema,
        }),
      })
      .nullable()
      .default(null),
    assumptions: z.array(z.object({ topic: z.string(), reading: z.string() })).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const keys = ['1', '2', '3', 'pharmacy'];
    for (const who of ['in_service', 'retired'] as const) {
      for (const k of keys) {
        if (p.rates_bp[who][k as '1'] === undefined) ctx.addIssue({ code: 'custom', path: ['rates_bp', who, k], message: 'missing rate' });
      }
    }
    if (p.deductible.mode === 'per_visit') {
      for (const k of keys) {
        if (p.deductible.amounts_fen[k as '1'] === undefined) ctx.addIssue({ code: 'custom', path: ['deductible', 'amounts_fen', k], message: 'missing deductible' });
      }
    }
    if (p.effective_to && p.effective_to < p.effective_from) ctx.addIssue({ code: 'custom', path: ['effective_to'], message: 'ends before it starts' });
    const pen = p.penalties;
    if (pen) {
      const ranges: Array<[string[], { min: number; max: number }]> = [
        [['penalties', 'institution', 'damages_multiple'], pen.institution.damages_multiple],
        [['penalties', 'insured', 'suspension_months'], pen.insured.suspension_months],
        [['penalties', 'insured', 'fraud_fine_multiple'], pen.insured.fraud_fine_multiple],
      ];
      for (const [path, r] of ranges) if (r.min > r.max) ctx.addIssue({ code: 'custom', path, message: 'min above max' });
    }
  });

export type Policy = z.infer<typeof policySchema>;
