import { assertCan } from '../auth/permissions';
import type { Actor } from '../db/scoped';

/** For showing buttons: whether assertCan would pass (the write itself checks again). */
export function allowed(actor: Actor, action: Parameters<typeof assertCan>[1]): boolean {
  try {
    assertCan(actor, action);
    return true;
  } catch {
    return false;
  }
}
