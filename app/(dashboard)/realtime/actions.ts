'use server';
/**
 * Interface keys of the real-time check, made and revoked by an admin (lib/realtime/keys.ts: permission, audit row).
 * A new key is returned to the form that asked for it and shown there once; it never goes into a URL or a log.
 */
import { revalidatePath } from 'next/cache';
import { requireActor } from '@/lib/auth/current';
import { getDb } from '@/lib/db/client';
import { ForbiddenError, InputError, NotFoundError } from '@/lib/errors';
import { createKey, revokeKey } from '@/lib/realtime/keys';

export interface KeyFormState {
  ok?: string;
  error?: string;
  key?: string;
}

function failure(e: unknown): KeyFormState {
  if (e instanceof InputError || e instanceof NotFoundError) return { error: e.message };
  if (e instanceof ForbiddenError) return { error: '无权限执行此操作' };
  throw e;
}

export async function createKeyAction(_prev: KeyFormState, form: FormData): Promise<KeyFormState> {
  try {
    const actor = await requireActor();
    const region = String(form.get('region') ?? '').trim();
    const k = await createKey(await getDb(), actor, {
      institution: String(form.get('institution') ?? ''),
      region: region || undefined,
      label: String(form.get('label') ?? ''),
    });
    revalidatePath('/realtime');
    return { ok: `已为 ${k.institution_name}（${k.institution}，统筹区 ${k.region}）生成密钥 #${k.id}。密钥只显示这一次，请复制后交给机构：`, key: k.key };
  } catch (e) {
    return failure(e);
  }
}

export async function revokeKeyAction(_prev: KeyFormState, form: FormData): Promise<KeyFormState> {
  try {
    const actor = await requireActor();
    const id = Number(form.get('id'));
    const region = String(form.get('region') ?? '');
    if (!Number.isSafeInteger(id) || id <= 0 || !/^\d{6}$/.test(region)) return { error: '密钥编号无效' };
    await revokeKey(await getDb(), actor, { region, id });
    revalidatePath('/realtime');
    return { ok: `已作废密钥 #${id}` };
  } catch (e) {
    return failure(e);
  }
}
