import { SubjectListPage } from '@/components/subject-pages';
import type { SearchParams } from '@/lib/dashboard/scope';
import type { MetricId } from '@/lib/dashboard/subjects';

export const dynamic = 'force-dynamic';

const METRIC_COLUMNS: MetricId[] = ['visits', 'total', 'fund', 'perVisit', 'ownpayRatio', 'drugShare'];

export default function PersonsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  return <SubjectListPage kind="insured" title="参保人" metrics={METRIC_COLUMNS} defaultSort="fund" searchParams={searchParams} />;
}
