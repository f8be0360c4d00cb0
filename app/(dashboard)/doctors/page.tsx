import { SubjectListPage } from '@/components/subject-pages';
import type { SearchParams } from '@/lib/dashboard/scope';
import type { MetricId } from '@/lib/dashboard/subjects';

export const dynamic = 'force-dynamic';

const METRIC_COLUMNS: MetricId[] = ['visits', 'rxCount', 'perVisit', 'perVisitGrowth', 'fund', 'drugShare', 'examShare'];

export default function DoctorsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  return <SubjectListPage kind="doctor" title="医师" metrics={METRIC_COLUMNS} defaultSort="fund" searchParams={searchParams} />;
}
