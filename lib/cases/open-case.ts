'use server';
/**
 * Server action for the alert pages: open one case from the selected alerts.
 * Returns a result instead of throwing, so a client form can show the message.
 */
import { revalidatePath } from 'next/cache';
import { requireActor } from '../auth/current';
import { getDb } from '../db/client';
import { ForbiddenError, InputError } from '../errors';
import { createCase } from './create';

export type OpenCaseResult = { ok: true; caseId: number; caseNo: string } | { ok: false; error: string };

export async function openCase(alertIds: number[], opts: { comment: string; title?: string }): Promise<OpenCaseResult> {
  const actor = await requireActor();
  try {
    const db = await getDb();
    const r = await createCase(db, actor, { alertIds, comment: opts.comment, title: opts.title });
    revalidatePath('/cases');
    revalidatePath('/alerts');
    return { ok: true, caseId: r.id, caseNo: r.caseNo };
  } catch (e) {
    if (e instanceof InputError) return { ok: false, error: e.message };
    if (e instanceof ForbiddenError) return { ok: false, error: e.message };
    throw e;
  }
}
