import { NotFoundPanel } from '@/components/access-panels';

export default function DashboardNotFound() {
  return <NotFoundPanel />;
}
