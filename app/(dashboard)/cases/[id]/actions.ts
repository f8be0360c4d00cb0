'use server';
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';
import { approvePenalty } from '@/lib/cases/approve-penalty';
import { recordPayment } from '@/lib/cases/payments';
import { setCasePenalty } from '@/lib/cases/set-penalty';
import { transitionCase } from '@/lib/cases/transition';
import { getDb } from '@/lib/db/client';
import { errorQuery, okQuery, type FlashOk } from '@/lib/dashboard/flash';

function str(f: FormData, k: string): string | undefined {
  const v = f.get(k);
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

async function run(id: number, fn: () => Promise<unknown>, ok: FlashOk): Promise<never> {
  let target = `/cases/${id}?${okQuery(ok)}`;
  try {
    await fn();
    revalidatePath(`/cases/${id}`);
    revalidatePath('/cases');
  } catch (e) {
    target = `/cases/${id}?${errorQuery(e)}`; // a message code (lib/dashboard/flash.ts); other errors rethrown
  }
  redirect(target);
}

export async function penaltyAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const id = Number(str(form, 'caseId'));
  const db = await getDb();
  await run(
    id,
    () =>
      setCasePenalty(db, actor, id, {
        amount: str(form, 'amount'),
        ownPay: str(form, 'ownPay'),
        multiple: str(form, 'multiple'),
        months: str(form, 'months'),
        start: str(form, 'start'),
        fraud: form.get('fraud') === 'on',
        repeat: form.get('repeat') === 'on',
        cooperation: form.get('cooperation') === 'on',
        reason: str(form, 'reason'),
      }),
    form.get('propose') === '1' ? 'penalty_proposed' : 'penalty_saved',
  );
}

export async function approvePenaltyAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const id = Number(str(form, 'caseId'));
  const db = await getDb();
  await run(id, () => approvePenalty(db, actor, id, { comment: str(form, 'comment') }), 'penalty_approved');
}

export async function transitionAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const id = Number(str(form, 'caseId'));
  const db = await getDb();
  await run(id, () => transitionCase(db, actor, id, { to: str(form, 'to') ?? '', comment: str(form, 'comment') ?? '', waiveStatement: form.get('waiveStatement') === 'on' }), 'stage_changed');
}

export async function paymentAction(form: FormData): Promise<void> {
  const actor = await requireActor();
  const id = Number(str(form, 'caseId'));
  const db = await getDb();
  const kind = str(form, 'kind') as 'principal' | 'damages' | 'refund' | 'fine';
  await run(id, () => recordPayment(db, actor, id, { kind, amount: str(form, 'amount') ?? '', paidOn: str(form, 'paidOn') ?? '', comment: str(form, 'comment') }), 'payment_saved');
}
