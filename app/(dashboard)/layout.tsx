import { AppShell } from '@/components/app-shell';
import { requireActor } from '@/lib/auth/current';

/** Every dashboard page requires a signed-in user (proxy.ts only checks that a cookie is present). */
export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const actor = await requireActor();
  return <AppShell actor={actor}>{children}</AppShell>;
}
