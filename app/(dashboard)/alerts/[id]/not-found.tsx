import { NotFoundPanel } from '@/components/access-panels';

export default function AlertNotFound() {
  return <NotFoundPanel what="预警" back={{ href: '/alerts', label: '返回预警列表' }} />;
}
