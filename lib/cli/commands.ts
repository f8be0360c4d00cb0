import type { Io } from './args';
import { dbMigrate } from './db-migrate';

export type Command = (argv: string[], io: Io) => Promise<number>;

/** Every command of CONTRACT.md; each lives in its own file and calls the same lib functions as the app. */
export const commands: Record<string, Command> = {
  'db migrate': dbMigrate,
};
