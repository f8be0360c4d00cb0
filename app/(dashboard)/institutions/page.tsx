import { SubjectListPage } from '@/components/subject-pages';
import type { SearchParams } from '@/lib/dashboard/scope';
import type { MetricId } from '@/lib/dashboard/subjects';

export const dynamic = 'force-dynamic';

const METRIC_COLUMNS: MetricId[] = ['visits', 'perVisit', 'perVisitGrowth', 'total', 'fund', 'selfpayRatio', 'examShare', 'drugShare'];

export default function InstitutionsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  return <SubjectListPage kind="institution" title="机构" metrics={METRIC_COLUMNS} defaultSort="perVisitGrowth" searchParams={searchParams} />;
}
