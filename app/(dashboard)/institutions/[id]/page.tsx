import { notFound } from 'next/navigation';
import { FilterBar } from '@/components/filter-bar';
import { ProfileView } from '@/components/profile-view';
import { scopeFields, scopeValues } from '@/components/scope-fields';
import { requireActor } from '@/lib/auth/current';
import { can } from '@/lib/auth/permissions';
import { getProfile } from '@/lib/dashboard/profiles';
import { resolveScope, type SearchParams } from '@/lib/dashboard/scope';
import { getDb } from '@/lib/db/client';
import { scoped } from '@/lib/db/scoped';

export const dynamic = 'force-dynamic';

export default async function ProfilePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  const actor = await requireActor();
  const { id } = await params;
  const sp = await searchParams;
  const db = await getDb();
  const data = await scoped(db, actor, async (tx) => {
    const scope = await resolveScope(tx, sp);
    const profile = await getProfile(tx, 'institution', decodeURIComponent(id), scope);
    return { scope, profile };
  });
  if (!data.profile) notFound();
  return (
    <>
      <FilterBar fields={scopeFields(data.scope)} values={scopeValues(data.scope)} />
      <ProfileView profile={data.profile} scope={data.scope} canReveal={can(actor, 'reveal')} />
    </>
  );
}
