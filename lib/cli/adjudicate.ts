import readline from 'node:readline';
import { Adjudicator } from '../adjudication/engine';
import { toLine, toVisit, type AdjudicateLine } from '../adjudication/records';
import { InputError } from '../errors';
import { loadPolicies } from '../policies';
import { overrideSet, readScenarioFile } from '../whatif/scenario';
import { parse, type Io } from './args';

/**
 * `adjudicate [--policy FILE] [--json] < visits.ndjson` (CONTRACT.md): one line per visit, in input order, with
 * running totals carried per person and year in input order. No database.
 */
export async function adjudicateCommand(argv: string[], io: Io): Promise<number> {
  const { values } = parse(argv, { policy: { type: 'string' } });
  // --policy FILE: that version in force for its region and dates (a what-if), the published ones elsewhere
  const adjudicator = new Adjudicator(values.policy ? overrideSet(loadPolicies(), readScenarioFile(values.policy)) : loadPolicies());
  const rl = readline.createInterface({ input: io.stdin, crlfDelay: Infinity });
  let row = 0;
  const human: string[] = [];
  for await (const text of rl) {
    row++;
    if (!text.trim()) continue;
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch {
      throw new InputError('不是有效的 JSON 行 (not a JSON object)', { file: 'stdin', row, field: '(line)' });
    }
    if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new InputError('不是 JSON 对象 (not a JSON object)', { file: 'stdin', row, field: '(line)' });
    let line: AdjudicateLine;
    try {
      line = toLine(adjudicator.adjudicate(toVisit(rec as Record<string, unknown>, row)));
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.message, { file: 'stdin', row, field: e.where?.field });
      throw e;
    }
    if (values.json) io.out(JSON.stringify(line));
    else human.push(formatHuman(line));
  }
  if (!values.json) {
    io.out(['结算ID setl_id | 政策 policy | 起付 deductible | 可报 eligible | 比例 rate | 统筹 fund_pay | 自付 self_pay | 年累计统筹 | 年累计起付 | 封顶 | 排除 | 依据', ...human].join('\n'));
  }
  return 0;
}

function formatHuman(l: AdjudicateLine): string {
  if (l.error) return `${l.setl_id} | 错误 error: ${l.error}`;
  return [l.setl_id, l.policy_id, l.deductible, l.eligible, l.rate, l.fund_pay, l.self_pay, l.year_fund_paid, l.year_deductible_paid, l.capped ? '是' : '否', l.excluded ?? '-', l.clause].join(' | ');
}
