import { NotFoundPanel } from '@/components/access-panels';

export default function InstitutionNotFound() {
  return <NotFoundPanel what="机构" back={{ href: '/institutions', label: '返回机构列表' }} />;
}
