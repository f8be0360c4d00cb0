import { LoadingPanel } from '@/components/states';

export default function Loading() {
  return <LoadingPanel />;
}
