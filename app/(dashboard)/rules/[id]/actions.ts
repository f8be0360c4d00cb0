'use server';
/**
 * 采用: an admin adopts the back-tested thresholds for one region (lib/rules/adopt.ts checks the permission, runs the
 * back-test again inside its transaction and writes the version and the audit row). With `recompute` the region's
 * rules then run again from the effective month, so its alerts follow the new version at once.
 */
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError } from '@/lib/errors';
import { adoptThresholds } from '@/lib/rules/adopt';
import { runRules } from '@/lib/rules/run';

export type AdoptState = { ok: false; error: string } | null;

const input = z.object({
  rule: z.string().min(1),
  region: z.string().regex(/^\d{6}$/, '请选择一个地区'),
  from: z.string().optional(),
  to: z.string().optional(),
  set: z.string(),
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, '请选择生效月份'),
  reason: z.string().max(2000, '理由不能超过 2000 字'),
  recompute: z.string().optional(),
});

export async function adoptAction(_prev: AdoptState, form: FormData): Promise<AdoptState> {
  const actor = await requireActor();
  const parsed = input.safeParse(Object.fromEntries([...form.entries()].map(([k, v]) => [k, String(v)]).filter(([, v]) => v !== '')));
  if (!parsed.success) return { ok: false, error: parsed.error.issues[0]?.message ?? '输入有误' };
  const v = parsed.data;
  const set = z.record(z.string(), z.number().finite()).safeParse(JSON.parse(v.set || '{}'));
  if (!set.success) return { ok: false, error: '阈值取值有误' };
  let target: string;
  try {
    const db = await getDb();
    const r = await adoptThresholds(db, actor, { ruleId: v.rule, region: v.region, set: set.data, effectiveFrom: `${v.month}-01`, reason: v.reason, from: v.from, to: v.to });
    let recomputed = 0;
    if (v.recompute === 'on') {
      const months = await db.$client.query<{ m: string }>(`select distinct to_char(month, 'YYYY-MM') as m from ind_region_month where region_code = $1 and month >= $2::date order by 1`, [v.region, r.effectiveFrom]);
      if (months.rows.length) await runRules(db, { months: months.rows.map((x) => x.m), regionCodes: [v.region] });
      recomputed = months.rows.length;
    }
    revalidatePath('/rules');
    revalidatePath('/alerts');
    // the page says what was adopted from the stored version (the URL carries ids and a count, never words)
    target = `/rules/${encodeURIComponent(v.rule)}?region=${v.region}&adopted=${r.id}&recomputed=${recomputed}`;
  } catch (e) {
    if (e instanceof InputError || e instanceof ForbiddenError) return { ok: false, error: e.message };
    throw e;
  }
  redirect(target);
}
