import { redirect } from 'next/navigation';
import { requireActor } from '@/lib/auth/current';

export const dynamic = 'force-dynamic';

/** The picker on the scenario list posts two ids here: the first scenario's page, the second beside it. */
export default async function CompareRedirect({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await requireActor();
  const { id } = await params;
  const s = (await searchParams).s;
  const ids = (Array.isArray(s) ? s : s ? [s] : []).filter((x) => /^\d+$/.test(x));
  const base = /^[a-z0-9-]+$/.test(id) ? id : '';
  if (ids.length < 2 || !base) redirect(base ? `/policies/${base}/whatif?error=invalid` : '/policies');
  redirect(`/policies/${base}/whatif/${ids[0]}?vs=${ids[1]}`);
}
