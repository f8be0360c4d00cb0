/**
 * Re-adjudication over the database, after ingest or on `recompute`.
 * Running totals need the whole calendar year, so for the persons with settlements in the affected
 * months every settlement of theirs in those years is replayed in time order, and their rows in
 * `adjudications` are replaced in one transaction. Rows stream out with COPY TO and back with COPY FROM:
 * no per-row statements, flat memory.
 */
import readline from 'node:readline';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/client';
import type { PipelineScope } from '../pipeline/after-ingest';
import { loadPolicies, syncPolicyVersions } from '../policies';
import { Adjudicator, type Visit } from './engine';
import { levelOf, retiredOf } from './records';

const SOURCE_COLUMNS = `s.admdvs, s.setl_id, s.setl_time, to_char(s.setl_time at time zone 'Asia/Shanghai', 'YYYY-MM-DD'), s.psn_no, s.psn_type,
  s.fixmedins_type, s.hosp_lv, s.fee_class, s.med_type, s.medfee_sumamt, s.inscp_scp_amt, s.preselfpay_amt, s.fulamt_ownpay_amt,
  s.designated, s.emergency, s.has_card, s.rx_from_designated, s.out_of_area_temporary, s.in_arrears, s.inpatient_overlap, s.suspended, s.hifp_pay`;

const TARGET_COLUMNS =
  'admdvs, setl_id, setl_time, psn_no, policy_id, deductible, eligible, rate_bp, fund_pay, self_pay, year_fund_paid, year_deductible_paid, capped, excluded, clause, error, settled_fund_pay, computed_at';

/** COPY text format: \N is null; backslash escapes for tab, newline, backslash. */
function unescape(f: string): string | null {
  if (f === '\\N') return null;
  if (!f.includes('\\')) return f;
  return f.replace(/\\(.)/g, (_, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}
function escape(v: string | number | boolean | null): string {
  if (v === null) return '\\N';
  if (typeof v !== 'string') return String(v);
  return v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}
const bool = (f: string | null) => f === 't';

function scopeFilter(scope: PipelineScope): { where: string; params: unknown[] } {
  if (scope.full || scope.months.length === 0) return { where: '', params: [] };
  const params: unknown[] = [scope.months];
  let regionClause = '';
  if (scope.regionCodes.length) {
    params.push(scope.regionCodes);
    regionClause = 'and t.admdvs = any($2::text[])';
  }
  // Persons touched in the months, replayed over the whole years those months fall in.
  const where = `where extract(year from s.setl_time at time zone 'Asia/Shanghai')::int in (select distinct substr(m, 1, 4)::int from unnest($1::text[]) m)
    and (s.admdvs, s.psn_no) in (
      select t.admdvs, t.psn_no from settlements t
      where to_char(t.setl_time at time zone 'Asia/Shanghai', 'YYYY-MM') = any($1::text[]) ${regionClause})`;
  return { where, params };
}

export interface ReadjudicateResult {
  visits: number;
  persons: number;
  errors: number;
  ms: number;
}

export async function readjudicate(db: Db, scope: PipelineScope): Promise<ReadjudicateResult> {
  const t0 = performance.now();
  const policies = loadPolicies();
  await syncPolicyVersions(db, policies);
  const adjudicator = new Adjudicator(policies);
  const { where, params } = scopeFilter(scope);
  const reader = await db.$client.connect();
  const writer = await db.$client.connect();
  let visits = 0;
  let persons = 0;
  let errors = 0;
  try {
    await writer.query('begin');
    if (where) {
      // Same person-years as the reader selects; reversed settlements leave no adjudication behind.
      await writer.query(`delete from adjudications a using (select distinct s.admdvs, s.psn_no, extract(year from s.setl_time at time zone 'Asia/Shanghai')::int as y from settlements s ${where}) p
        where a.admdvs = p.admdvs and a.psn_no = p.psn_no and extract(year from a.setl_time at time zone 'Asia/Shanghai')::int = p.y`, params);
    } else {
      await writer.query('truncate adjudications');
    }
    // The reader's query text carries the parameters inline (COPY takes none); they are validated month/region codes.
    const literal = (xs: string[]) => `array[${xs.map((x) => `'${x.replace(/[^0-9-]/g, '')}'`).join(',')}]::text[]`;
    const inlined = where.replace('$1::text[]', literal(scope.months)).replace('$1::text[]', literal(scope.months)).replace('$2::text[]', literal(scope.regionCodes));
    const source = reader.query(
      copyTo(`copy (select ${SOURCE_COLUMNS} from settlements s ${inlined} ${inlined ? 'and' : 'where'} not s.reversed and not s.refd_setl_flag
        order by s.admdvs, s.psn_no, s.setl_time, s.setl_id) to stdout`),
    );
    const now = new Date().toISOString();
    let lastPerson = '';
    const lines = readline.createInterface({ input: source, crlfDelay: Infinity });
    const transform = new Transform({
      writableObjectMode: true,
      transform(line: string, _enc, cb) {
        const f = line.split('\t').map(unescape);
        const admdvs = f[0] ?? '';
        const psnNo = f[4] ?? '';
        const personKey = `${admdvs}|${psnNo}`;
        if (personKey !== lastPerson) {
          adjudicator.reset();
          lastPerson = personKey;
          persons++;
        }
        let out: string;
        try {
          const v: Visit = {
            admdvs,
            setlId: f[1] ?? '',
            date: f[3] ?? '',
            psnNo,
            retired: retiredOf(f[5], 0),
            pharmacy: f[6] === 'pharmacy',
            level: levelOf(f[7], 0),
            feeClass: f[8] === null ? null : Number(f[8]),
            medType: f[9] ?? '11',
            medfeeSumamt: Number(f[10]),
            inscpScpAmt: Number(f[11]),
            preselfpayAmt: Number(f[12]),
            fulamtOwnpayAmt: Number(f[13]),
            designated: bool(f[14] ?? 't'),
            emergency: bool(f[15] ?? 'f'),
            hasCard: bool(f[16] ?? 't'),
            rxFromDesignated: f[17] === null ? null : bool(f[17] ?? 't'),
            outOfAreaTemporary: bool(f[18] ?? 'f'),
            inArrears: bool(f[19] ?? 'f'),
            inpatientOverlap: bool(f[20] ?? 'f'),
            suspended: bool(f[21] ?? 'f'),
          };
          const o = adjudicator.adjudicate(v);
          if (o.error) errors++;
          out = [
            admdvs, o.setlId, f[2] ?? '', psnNo, o.policyId, o.deductible, o.eligible, o.rateBp, o.fundPay, o.selfPay, o.yearFundPaid,
            o.yearDeductiblePaid, o.capped, o.excluded, o.clause, o.error, f[22] === null ? null : Number(f[22]), now,
          ].map((x) => escape(x ?? null)).join('\t');
        } catch (e) {
          errors++;
          out = [admdvs, f[1] ?? '', f[2] ?? '', psnNo, null, 0, 0, 0, 0, 0, 0, 0, false, null, '', (e as Error).message, f[22] === null ? null : Number(f[22]), now]
            .map((x) => escape(x)).join('\t');
        }
        visits++;
        cb(null, `${out}\n`);
      },
    });
    await pipeline(lines, transform, writer.query(copyFrom(`copy adjudications (${TARGET_COLUMNS}) from stdin`)));
    await writer.query('commit');
  } catch (e) {
    await writer.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    reader.release();
    writer.release();
  }
  return { visits, persons, errors, ms: Math.round(performance.now() - t0) };
}
