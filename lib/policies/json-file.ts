import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { InputError } from '../errors';

/**
 * A data file of policies/ (a threshold file, the sanction policy, the basis catalogue) read and validated with its zod
 * schema: a file that cannot be read, or a field that is wrong, stops with a Chinese message naming the file and field.
 */
export function parseJsonFile<T>(file: string, schema: z.ZodType<T>, what: string): T {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(/*turbopackIgnore: true*/ file, 'utf8'));
  } catch (e) {
    throw new InputError(`无法读取${what} ${path.basename(file)}: ${(e as Error).message}`, { file });
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue?.path.join('.') ?? '';
    throw new InputError(`${what} ${path.basename(file)} 字段 ${field || '(root)'} 无效: ${issue?.message ?? ''}`, { file, field });
  }
  return r.data;
}
