'use server';
/** User administration. Permission ('user.manage'), zod validation and the audit row are in lib/auth/users.ts. */
import { revalidatePath } from 'next/cache';
import { redirect } from 'next/navigation';
import { clientIp, requireActor } from '@/lib/auth/current';
import { createUser, parseRegionField, resetPassword, updateUser } from '@/lib/auth/users';
import { getDb } from '@/lib/db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '@/lib/errors';

async function run(fn: () => Promise<string>): Promise<never> {
  let target: string;
  try {
    const ok = await fn();
    revalidatePath('/admin');
    target = `/admin?ok=${encodeURIComponent(ok)}`;
  } catch (e) {
    const msg = e instanceof InputError ? describeInputError(e) : e instanceof ForbiddenError || e instanceof NotFoundError ? e.message : undefined;
    if (msg === undefined) throw e;
    target = `/admin?error=${encodeURIComponent(msg)}`;
  }
  redirect(target);
}

const str = (form: FormData, k: string) => String(form.get(k) ?? '');

export async function createUserAction(form: FormData): Promise<void> {
  const actor = await requireActor('user.manage');
  const ip = await clientIp();
  await run(async () => {
    const u = await createUser(await getDb(), actor, { email: str(form, 'email'), name: str(form, 'name'), role: str(form, 'role'), regions: parseRegionField(form.get('regions')), password: str(form, 'password') }, { ip });
    return `已创建用户 ${u.email}`;
  });
}

export async function updateUserAction(form: FormData): Promise<void> {
  const actor = await requireActor('user.manage');
  const ip = await clientIp();
  await run(async () => {
    const u = await updateUser(
      await getDb(),
      actor,
      Number(form.get('userId')),
      { name: str(form, 'name'), role: str(form, 'role'), regions: parseRegionField(form.get('regions')), active: form.get('active') === 'on' },
      { ip },
    );
    return `已保存用户 ${u.email}`;
  });
}

export async function resetPasswordAction(form: FormData): Promise<void> {
  const actor = await requireActor('user.manage');
  const ip = await clientIp();
  await run(async () => {
    await resetPassword(await getDb(), actor, Number(form.get('userId')), str(form, 'password'), { ip });
    return '密码已重置';
  });
}
