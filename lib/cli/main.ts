/**
 * `npm run cli -- <command> [options]` — see ../shared/CONTRACT.md.
 * Exit 0 success, 1 bad input (stderr names file, row, field), 2 internal error.
 */
import { closeDb } from '../db/client';
import { describeInputError, ForbiddenError, InputError, NotFoundError } from '../errors';
import type { Io } from './args';
import { commands } from './commands';

const io: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  stdin: process.stdin,
};

function usage(): string {
  return ['用法 usage: npm run cli -- <command> [options]', '', ...Object.keys(commands).map((c) => `  ${c}`)].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const two = argv.slice(0, 2).join(' ');
  const name = two in commands ? two : argv[0];
  const rest = argv.slice(name === two ? 2 : 1);
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    io.err(name ? `未知命令 unknown command: ${name}\n${usage()}` : usage());
    return 1;
  }
  return cmd(rest, io);
}

let code = 2;
try {
  code = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof InputError) {
    io.err(`错误 error: ${describeInputError(e)}`);
    code = 1;
  } else if (e instanceof ForbiddenError || e instanceof NotFoundError) {
    io.err(`错误 error: ${e.message}`);
    code = 1;
  } else {
    io.err(`内部错误 internal error: ${(e as Error)?.stack ?? String(e)}`);
    code = 2;
  }
} finally {
  await closeDb().catch(() => undefined);
}
process.exitCode = code;
