import { NotFoundPanel } from '@/components/access-panels';

export default function PolicyNotFound() {
  return <NotFoundPanel what="政策版本" back={{ href: '/policies', label: '返回政策列表' }} />;
}
