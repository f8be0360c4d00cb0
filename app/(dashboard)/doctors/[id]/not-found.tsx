import { NotFoundPanel } from '@/components/access-panels';

export default function DoctorNotFound() {
  return <NotFoundPanel what="医师" back={{ href: '/doctors', label: '返回医师列表' }} />;
}
