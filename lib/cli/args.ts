import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from '../errors';

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's own options; an unknown option is bad input (exit 1), not a crash. */
export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options: { json: { type: 'boolean' }, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new InputError((e as Error).message, { field: 'argv' });
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin: NodeJS.ReadableStream;
}

export function emit(io: Io, json: boolean | undefined, value: unknown, human: () => string) {
  io.out(json ? JSON.stringify(value) : human());
}
