/** NHSA 3103 (CONTRACT.md "Real-time check"): a key of one institution, not a session; see lib/realtime/handler.ts. */
import { getDb } from '@/lib/db/client';
import { handleNhsa } from '@/lib/realtime/handler';

export async function POST(req: Request): Promise<Response> {
  return handleNhsa(await getDb(), '3103', req);
}
