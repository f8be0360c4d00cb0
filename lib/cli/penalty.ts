/**
 * `penalty [--json] --subject institution|insured --amount YUAN [--own-pay YUAN] [--multiple K] [--fraud] [--months N] [--start DATE]`
 * No database. Without --multiple / --months the discretion tier of policies/penalties decides, scored
 * from what the command line knows: the amount band and --fraud (repeat offence and cooperation count as absent).
 * Without --start the suspension starts today (Asia/Shanghai).
 */
import { InputError } from '../errors';
import { computePenalty, penaltyContract, penaltyHuman } from '../penalties/compute';
import { emit, parse, type Io } from './args';

const STRING_OPTS = new Set(['--subject', '--amount', '--own-pay', '--multiple', '--months', '--start']);

/** `--amount -5` would read as a missing value; join it so the range check can name the field instead. */
function joinNegative(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] ?? '';
    const next = argv[i + 1];
    if (STRING_OPTS.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i += 1;
    } else out.push(a);
  }
  return out;
}

export async function penalty(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(joinNegative(argv), {
    subject: { type: 'string' },
    amount: { type: 'string' },
    'own-pay': { type: 'string' },
    multiple: { type: 'string' },
    fraud: { type: 'boolean' },
    months: { type: 'string' },
    start: { type: 'string' },
  });
  if (positionals.length) throw new InputError(`unexpected argument: ${positionals.join(' ')}`, { field: 'argv' });
  if (values.subject !== 'institution' && values.subject !== 'insured') {
    throw new InputError(`--subject 应为 institution 或 insured (got ${values.subject ?? 'nothing'})`, { field: 'subject' });
  }
  if (values.amount === undefined) throw new InputError('--amount 必填 is required', { field: 'amount' });
  const calc = computePenalty({
    subject: values.subject,
    amount: values.amount,
    ownPay: values['own-pay'],
    multiple: values.multiple,
    fraud: values.fraud ?? false,
    months: values.months,
    start: values.start,
  });
  emit(io, values.json, penaltyContract(calc), () => penaltyHuman(calc));
  return 0;
}
