import { SubjectProfilePage } from '@/components/subject-pages';
import type { SearchParams } from '@/lib/dashboard/scope';

export const dynamic = 'force-dynamic';

export default function InstitutionProfilePage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<SearchParams> }) {
  return <SubjectProfilePage kind="institution" params={params} searchParams={searchParams} />;
}
