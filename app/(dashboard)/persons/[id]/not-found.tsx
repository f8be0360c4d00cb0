import { NotFoundPanel } from '@/components/access-panels';

export default function PersonNotFound() {
  return <NotFoundPanel what="参保人" back={{ href: '/persons', label: '返回参保人列表' }} />;
}
