import { NotFoundPanel } from '@/components/access-panels';

export default function CaseNotFound() {
  return <NotFoundPanel what="案件" back={{ href: '/cases', label: '返回案件列表' }} />;
}
