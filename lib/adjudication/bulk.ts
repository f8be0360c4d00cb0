/**
 * Re-adjudication over the database, after ingest or on `recompute`.
 *
 * Running totals need the whole calendar year, so for the persons (admdvs, psn_no) with settlements in
 * the scope's months (and regions) every settlement of theirs in those years is replayed in time order.
 * Set-based and flat in memory:
 *   1. one ordered stream out of `settlements` (COPY TO, ordered by admdvs, psn_no, setl_time, setl_id),
 *   2. the engine per row, totals reset at each new person,
 *   3. COPY FROM into a temp staging table on the writer connection,
 *   4. one DELETE of those person-years from `adjudications` + one INSERT … SELECT from the stage,
 *      all inside one transaction (nothing half-written; readers see the old rows until commit).
 * Reversed settlements (`reversed` or `refd_setl_flag`) paid nothing and are skipped; their earlier
 * adjudication rows disappear with the person-year's DELETE. `settled_fund_pay` keeps `hifp_pay`.
 *
 * A day's batch that only inserted settlements (scope.insertsOnly) appends: a person whose new settlements of a year all
 * come after every settlement of theirs already adjudicated that year continues from the running totals of the last one
 * (year_fund_paid, year_deductible_paid: the only state the engine carries from visit to visit) and only the new
 * settlements are adjudicated and inserted; the rest (a late claim among earlier ones) replay their years as above.
 * The same rows as a replay (tests/day-delta.test.ts), for the work of the day: at 10M settlements a day's 37k
 * settlements replayed their persons' 350k.
 */
import { Transform } from 'node:stream';
import type pg from 'pg';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Db } from '../db/client';
import type { PipelineScope } from '../pipeline/after-ingest';
import { loadPolicies, syncPolicyVersions, type PolicySet } from '../policies';
import { Adjudicator, type Visit } from './engine';
import { isDistributed } from '../db/distribute';
import { dayRuns } from '../indicators/refresh';
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
const bool = (f: string | null | undefined, dflt: boolean) => (f === null || f === undefined ? dflt : f === 't');

/** Local (Asia/Shanghai) start of a month as a timestamptz literal; the inputs are validated first. */
const monthStart = (y: number, m: number) => `'${y + Math.floor((m - 1) / 12)}-${String(((m - 1) % 12) + 1).padStart(2, '0')}-01 00:00:00+08'::timestamptz`;

/**
 * The person-year selection as SQL text (COPY takes no parameters, so values are validated and
 * inlined). Time conditions are ranges on setl_time so partitions are pruned. null = nothing to do.
 */
export function scopeSql(scope: PipelineScope): { persons: string; years: string; days: string | null } | null {
  if (scope.full) return { persons: 'true', years: 'true', days: null };
  if (!scope.months.length) return null;
  for (const m of scope.months) if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(m)) throw new Error(`invalid month in pipeline scope: ${m}`);
  for (const r of scope.regionCodes) if (!/^\d{6}$/.test(r)) throw new Error(`invalid region in pipeline scope: ${r}`);
  const months = [...new Set(scope.months)].sort();
  for (const d of scope.days ?? []) if (!/^\d{4}-(0[1-9]|1[0-2])-\d{2}$/.test(d)) throw new Error(`invalid day in pipeline scope: ${d}`);
  // a day's batch: the persons with a settlement on a changed day (their whole years are replayed all the same)
  const dayRanges = scope.days?.length
    ? dayRuns(scope.days).map(([a, b]) => `(t.setl_time >= '${a} 00:00:00+08'::timestamptz and t.setl_time < '${b} 00:00:00+08'::timestamptz)`).join(' or ')
    : null;
  const monthRanges = dayRanges ?? months
    .map((m) => {
      const y = Number(m.slice(0, 4));
      const mo = Number(m.slice(5, 7));
      return `(t.setl_time >= ${monthStart(y, mo)} and t.setl_time < ${monthStart(y, mo + 1)})`;
    })
    .join(' or ');
  const years = [...new Set(months.map((m) => Number(m.slice(0, 4))))];
  const region = scope.regionCodes.length ? `and t.admdvs in (${scope.regionCodes.map((r) => `'${r}'`).join(',')})` : '';
  const persons = `(%.admdvs, %.psn_no) in (select t.admdvs, t.psn_no from settlements t where (${monthRanges}) ${region})`;
  const yearRanges = years.map((y) => `(%.setl_time >= ${monthStart(y, 1)} and %.setl_time < ${monthStart(y + 1, 1)})`).join(' or ');
  // the changed days' settlements themselves (alias %), when the batch knows its days
  const days = dayRanges ? `(${dayRanges.replaceAll('t.', '%.')}) ${region.replaceAll('t.', '%.')}` : null;
  return { persons, years: `(${yearRanges})`, days };
}

export interface ReadjudicateResult {
  visits: number;
  persons: number;
  errors: number;
  ms: number;
  /** a day's batch: persons continued from their last adjudication, and persons whose years were replayed */
  appended?: number;
  replayed?: number;
}

/**
 * The day's persons-years of an insert-only batch, on the reading connection: `adj_new` the new (not yet adjudicated)
 * valid settlements of the changed days, `adj_seed` the person-years that append with their last totals, `adj_replay`
 * the persons whose years are replayed. Returns the replayed persons.
 */
async function classifyDay(c: pg.ClientBase, days: string): Promise<Array<{ admdvs: string; psn_no: string }>> {
  await c.query('drop table if exists adj_new, adj_seed, adj_replay');
  await c.query(`create temp table adj_new as
    select s.admdvs, s.psn_no, s.setl_id, s.setl_time, extract(year from s.setl_time at time zone 'Asia/Shanghai')::int as y
    from settlements s where ${days.replaceAll('%', 's')} and not s.reversed and not s.refd_setl_flag
      and not exists (select 1 from adjudications a where a.admdvs = s.admdvs and a.setl_id = s.setl_id and a.setl_time = s.setl_time
        and ${days.replaceAll('%', 'a')})`);
  await c.query('analyze adj_new');
  // each person-year's first new settlement against the last adjudicated one of that year (the engine's order: time, id)
  await c.query(`create temp table adj_seed as
    -- (a last row with an error replays: an unreadable row is stored with totals of 0, not the running ones)
    select n.admdvs, n.psn_no, n.y, l.setl_time is null or (l.error is null and (l.setl_time, l.setl_id) < (n.setl_time, n.setl_id)) as appends,
      coalesce(l.year_fund_paid, 0) as fund, coalesce(l.year_deductible_paid, 0) as ded
    from (select distinct on (admdvs, psn_no, y) admdvs, psn_no, y, setl_time, setl_id from adj_new order by admdvs, psn_no, y, setl_time, setl_id) n
    left join lateral (
      select a.setl_time, a.setl_id, a.year_fund_paid, a.year_deductible_paid, a.error from adjudications a
      where a.admdvs = n.admdvs and a.psn_no = n.psn_no
        and a.setl_time >= make_timestamptz(n.y, 1, 1, 0, 0, 0, 'Asia/Shanghai') and a.setl_time < make_timestamptz(n.y + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai')
      order by a.setl_time desc, a.setl_id desc limit 1
    ) l on true`);
  // a person with any year that does not append replays all the years of the scope
  await c.query(`create temp table adj_replay as select distinct admdvs, psn_no from adj_seed where not appends`);
  await c.query(`delete from adj_seed s using adj_replay r where r.admdvs = s.admdvs and r.psn_no = s.psn_no`);
  return (await c.query<{ admdvs: string; psn_no: string }>('select admdvs, psn_no from adj_replay')).rows;
}

export async function readjudicate(db: Db, scope: PipelineScope, policies: PolicySet = loadPolicies()): Promise<ReadjudicateResult> {
  const t0 = performance.now();
  await syncPolicyVersions(db, policies);
  const sel = scopeSql(scope);
  if (!sel) return { visits: 0, persons: 0, errors: 0, ms: Math.round(performance.now() - t0) };
  const adjudicator = new Adjudicator(policies);
  const reader = await db.$client.connect();
  const writer = await db.$client.connect();
  let visits = 0;
  let persons = 0;
  let errors = 0;
  let appended: number | undefined;
  let replayed: number | undefined;
  const now = new Date().toISOString();
  /**
   * One stream of settlements in the engine's order (person, time, id) through the engine into `target`. `seeded`: each
   * row ends with its person-year's totals so far (fund, deductible), which start the person's year.
   */
  const stream = async (query: string, target: string, seeded: boolean) => {
    let lastPerson = '';
    let lastSeed = '';
    const row = (line: string): string => {
      const f = line.split('\t').map(unescape);
      const admdvs = f[0] ?? '';
      const psnNo = f[4] ?? '';
      const personKey = `${admdvs}|${psnNo}`;
      if (personKey !== lastPerson) {
        adjudicator.reset();
        lastPerson = personKey;
        persons++;
      }
      if (seeded) {
        const year = (f[3] ?? '').slice(0, 4);
        if (`${personKey}|${year}` !== lastSeed) {
          adjudicator.seed(psnNo, year, Number(f[23]), Number(f[24]));
          lastSeed = `${personKey}|${year}`;
        }
      }
      const settled = f[22] === null || f[22] === undefined ? null : Number(f[22]);
      visits++;
      try {
        const v: Visit = {
          admdvs,
          setlId: f[1] ?? '',
          date: f[3] ?? '',
          psnNo,
          retired: retiredOf(f[5], 0),
          pharmacy: f[6] === 'pharmacy',
          level: levelOf(f[7], 0),
          feeClass: f[8] === null || f[8] === undefined ? null : Number(f[8]),
          medType: f[9] ?? '11',
          medfeeSumamt: Number(f[10]),
          inscpScpAmt: Number(f[11]),
          preselfpayAmt: Number(f[12]),
          fulamtOwnpayAmt: Number(f[13]),
          designated: bool(f[14], true),
          emergency: bool(f[15], false) || f[9] === '13',
          hasCard: bool(f[16], true),
          rxFromDesignated: f[17] === null || f[17] === undefined ? null : f[17] === 't',
          outOfAreaTemporary: bool(f[18], false),
          inArrears: bool(f[19], false),
          inpatientOverlap: bool(f[20], false),
          suspended: bool(f[21], false),
        };
        const o = adjudicator.adjudicate(v);
        if (o.error) errors++;
        return [
          admdvs, o.setlId, f[2] ?? '', psnNo, o.policyId, o.deductible, o.eligible, o.rateBp, o.fundPay, o.selfPay, o.yearFundPaid,
          o.yearDeductiblePaid, o.capped, o.excluded, o.clause, o.error, settled, now,
        ].map((x) => escape(x ?? null)).join('\t');
      } catch (e) {
        // a stored row the engine cannot read (e.g. an unknown psn_type) is recorded with its error, not dropped
        errors++;
        return [admdvs, f[1] ?? '', f[2] ?? '', psnNo, null, 0, 0, 0, 0, 0, 0, 0, false, null, '', (e as Error).message, settled, now]
          .map((x) => escape(x)).join('\t');
      }
    };
    // Chunk in, chunk out: one CopyData message per input chunk rather than per row.
    let rest = '';
    const transform = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        const text = rest + chunk.toString('utf8');
        const lines = text.split('\n');
        rest = lines.pop() ?? '';
        let out = '';
        for (const line of lines) if (line) out += `${row(line)}\n`;
        cb(null, out);
      },
      flush(cb) {
        cb(null, rest ? `${row(rest)}\n` : '');
      },
    });
    await pipeline(reader.query(copyTo(`copy (${query}) to stdout`)), transform, writer.query(copyFrom(`copy ${target} (${TARGET_COLUMNS}) from stdin`)));
  };
  const ORDER = 'order by s.admdvs, s.psn_no, s.setl_time, s.setl_id';
  try {
    await writer.query('begin');
    // One re-adjudication at a time (ingest and recompute may overlap): otherwise two runs could each
    // delete before the other's insert commits and leave both sets of rows.
    await writer.query("select pg_advisory_xact_lock(hashtext('ofm:readjudicate'))");
    let personSel = sel.persons;
    // (not on Citus: the classification joins scratch tables local to the coordinator with the shards)
    if (scope.insertsOnly && sel.days && !(await isDistributed(reader))) {
      // the reader classifies after the lock is held: it sees every run that committed before this one
      const replay = await classifyDay(reader, sel.days);
      const seeds = await reader.query<{ n: number }>('select count(*)::int as n from adj_seed');
      appended = seeds.rows[0]?.n ?? 0;
      replayed = replay.length;
      await stream(
        `select ${SOURCE_COLUMNS}, k.fund, k.ded from settlements s
           join adj_new n on n.admdvs = s.admdvs and n.setl_id = s.setl_id and n.setl_time = s.setl_time
           join adj_seed k on k.admdvs = n.admdvs and k.psn_no = n.psn_no and k.y = n.y
         where ${sel.days.replaceAll('%', 's')} ${ORDER}`,
        'adjudications',
        true,
      );
      // the writer gets the replayed persons too (its own session: temp tables are per connection)
      await writer.query('create temp table adj_replay (admdvs text, psn_no text) on commit drop');
      await writer.query('insert into adj_replay select * from unnest($1::text[], $2::text[])', [replay.map((r) => r.admdvs), replay.map((r) => r.psn_no)]);
      personSel = '(%.admdvs, %.psn_no) in (select admdvs, psn_no from adj_replay)';
    }
    const on = (alias: string) => `${personSel.replaceAll('%', alias)} and ${sel.years.replaceAll('%', alias)}`;
    if (replayed !== 0) {
      // A full run writes straight into adjudications after deleting every row (readers keep seeing the old rows until
      // commit): staging all of them first and then INSERT … SELECT wrote every row twice, work the limit does not do.
      if (scope.full) await writer.query('delete from adjudications where true');
      else await writer.query('create temp table adjudications_stage (like adjudications) on commit drop');
      await stream(
        `select ${SOURCE_COLUMNS} from settlements s where ${on('s')} and not s.reversed and not s.refd_setl_flag ${ORDER}`,
        scope.full ? 'adjudications' : 'adjudications_stage',
        false,
      );
      if (!scope.full) {
        await writer.query(`delete from adjudications a where ${on('a')}`);
        await writer.query(`insert into adjudications (${TARGET_COLUMNS}) select ${TARGET_COLUMNS} from adjudications_stage`);
      }
    }
    await writer.query('commit');
  } catch (e) {
    await writer.query('rollback').catch(() => undefined);
    throw e;
  } finally {
    await reader.query('drop table if exists adj_new, adj_seed, adj_replay').catch(() => undefined);
    reader.release();
    writer.release();
  }
  return { visits, persons, errors, ms: Math.round(performance.now() - t0), ...(appended !== undefined ? { appended, replayed } : {}) };
}
