/**
 * One real-time check (3101 / 3102) of one patient's encounter, inside the key's region (the caller's transaction is
 * scoped to it, lib/realtime/db.ts). Three statements:
 * 1. the person's context: 人员类别, the year's running totals of the loaded claims (adjudications), an inpatient stay
 *    known from earlier checks;
 * 2. the rules (lib/realtime/rules.ts) in one query: the encounter becomes rows shaped like ind_visits (one per order
 *    line) in a CTE named `ind_visits`, so each visit rule's own condition (Rule.visit, written against ind_visits) is
 *    evaluated unchanged; the window rules run their shared core over the person's recent visits / drug lines (loaded
 *    claims, earlier checks, this encounter). Every history read is by (region, psn_no, time) on an index:
 *    ind_visits_psn_idx, settlements_psn_idx (then fee_details by setl_id), rt_encounters_psn_idx, rt_orders_psn_idx;
 * 3. storing the encounter and its orders (a later check sees them) — done by the caller after the answer is built.
 * The fund the encounter would draw is re-adjudicated under the policy in force (lib/adjudication) from the year's
 * totals; the annual-cap rule reads the same outcome.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { Adjudicator, applyRate, citeLabel } from '../adjudication/engine';
import { explain } from '../alerts/explain';
import { maskId } from '../auth/mask';
import { money } from '../format';
import { loadPolicies, policyFor, PolicyNotFound, type PolicySet } from '../policies';
import { basisText, resolveBasis } from '../policies/basis';
import { monitoringFor } from '../policies/monitoring';
import { overlapRows, RX_OVERLAP_HIT } from '../rules/rx-overlap';
import { th } from '../rules/sql-parts';
import { SPLIT_VISIT_HIT, splitVisitRows } from '../rules/split-visit';
import { TWO_PLACES_HIT, twoPlacesRows } from '../rules/two-places';
import type { Finding } from '../rules/types';
import type { EncounterDto, PatientDto } from './input';
import { CAP_RULE, monitoringRule, REALTIME_RULES, ruleMeta, sevDeg, volaBhvrType, type RealtimeRule } from './rules';

export interface Institution {
  code: string;
  name: string | null;
  type: string | null;
  level: number | null;
  feeClass: number | null;
  designated: boolean;
}

export interface CheckContext {
  region: string;
  institution: Institution;
  trigScen: string;
  taskId: string | null;
  /** rule_ids of the request (null: all) */
  ruleIds: ReadonlySet<string> | null;
}

export interface DetailDto {
  jrd_id: string;
  patn_id: string;
  mdtrt_id: string;
  rx_id: string | null;
  vola_item_type: string;
  vola_amt: string;
}

export interface ResultDto {
  jr_id: string;
  rule_id: string;
  rule_name: string;
  vola_cont: string;
  patn_id: string;
  mdtrt_id: string;
  vola_amt: string;
  sev_deg: string;
  vola_evid: string;
  vola_bhvr_type: string;
  task_id: string | null;
  judge_result_detail_dtos: DetailDto[];
}

/** A result with what is stored beside it. */
export interface CheckedResult {
  dto: ResultDto;
  ruleId: string;
  amountFen: number;
}

/** The encounter as stored for later checks. */
export interface StoredEncounter {
  mdtrtId: string;
  admTime: string;
  dscgTime: string | null;
  psnNo: string;
  medType: string;
  instCity: string;
  drCodg: string | null;
  medfee: number;
  fund: number;
  chronic: boolean;
  orders: Array<{ rxId: string; hilistCode: string; hilistName: string | null; days: number | null; sumamt: number }>;
}

let policies: PolicySet | undefined;
const adjudicator = { set: undefined as PolicySet | undefined, engine: undefined as Adjudicator | undefined };

function policySet(): PolicySet {
  policies ??= loadPolicies();
  return policies;
}

function engine(): Adjudicator {
  const set = policySet();
  if (adjudicator.set !== set || !adjudicator.engine) adjudicator.engine = new Adjudicator(set);
  adjudicator.set = set;
  return adjudicator.engine;
}

const yuanText = (fen: number) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
const DAY = 86_400_000;

/** Days of a prescription from drord_begn_date to drord_stop_date, both counted (CONTRACT.md); null when either is missing. */
export function orderDays(o: EncounterDto['fsi_order_dtos'][number]): number | null {
  if (!o.drord_begn_date || !o.drord_stop_date) return null;
  const a = Date.parse(`${o.drord_begn_date.date}T00:00:00Z`);
  const b = Date.parse(`${o.drord_stop_date.date}T00:00:00Z`);
  return b >= a ? Math.round((b - a) / DAY) + 1 : null;
}

/** Drugs (NHSA 目录类别 1xx: 西药中成药, 中药饮片, 自制剂) carry days; an order without a type is read as a drug. */
function isDrug(o: EncounterDto['fsi_order_dtos'][number]): boolean {
  return o.hilist_type === null || o.hilist_type.startsWith('1');
}

/** The encounter this check judges: curr_mdtrt_id, else the only (or last) one. */
export function currentEncounter(p: PatientDto): EncounterDto | null {
  if (p.curr_mdtrt_id) return p.fsi_encounter_dtos.find((e) => e.mdtrt_id === p.curr_mdtrt_id) ?? null;
  return p.fsi_encounter_dtos[p.fsi_encounter_dtos.length - 1] ?? null;
}

const CONTEXT_SQL = `
select
  coalesce((select psn_type from ind_visits where region_code = $1 and psn_no = $2 and setl_time < $3 order by setl_time desc limit 1),
           (select psn_type from insured_persons where region_code = $1 and psn_no = $2)) as psn_type,
  (select json_build_object('fund', year_fund_paid, 'ded', year_deductible_paid) from adjudications
    where admdvs = $1 and psn_no = $2 and setl_time >= $4::date::timestamp at time zone 'Asia/Shanghai' and setl_time < $3
      and error is null order by setl_time desc limit 1) as totals,
  exists (select 1 from rt_encounters e where e.region_code = $1 and e.psn_no = $2 and e.med_type like '2%'
      and e.adm_time <= $3 and e.adm_time > $3 - interval '1 year' and (e.dscg_time is null or e.dscg_time >= $3)
      and not (e.fixmedins_code = $5 and e.mdtrt_id = $6)) as inpatient`;

/** The candidate's setl_id in the shared window queries; earlier checks' encounters are named the same way. */
const rtId = (inst: string, mdtrt: string) => `RT:${inst}:${mdtrt}`;

/**
 * The rules query for the chosen rules. Parameters: $1 order lines (jsonb), $2 region, $3 thresholds (jsonb, as the
 * monitoring rules read them through th()), $4 psn_no, $5 time, $6 institution, $7 mdtrt_id, $8 institution city,
 * $9 med_type, $10 chronic, $11 flags, $12 fund, $13 the candidate's setl_id.
 */
function rulesSql(chosen: RealtimeRule[]): string {
  const kinds = new Set(chosen.map((r) => r.kind));
  const ctes = [
    `ind_visits as (
      select $2::char(6) as region_code, date_trunc('month', $5::timestamptz)::date as month, $13::text as setl_id, $5::timestamptz as setl_time,
        $4::text as psn_no, $6::text as fixmedins_code, $8::char(6) as inst_city, $9::text as med_type, $10::boolean as chronic,
        $11::int as flags, $12::bigint as fund, o.rx_id, o.hilist_code, o.days as max_days, o.amt
      from jsonb_to_recordset($1::jsonb) as o(rx_id text, hilist_code text, days int, amt bigint)
    )`,
    // the person's loaded settlements around the encounter, read once: a settlement of this very encounter (same
    // mdtrt_id at this institution) is not its history, and an earlier check whose encounter has since been loaded is
    // read from the claim, not twice
    `loaded as materialized (
      select setl_id, fixmedins_code, mdtrt_id from settlements
       where admdvs = $2 and psn_no = $4 and mdtrt_id is not null
         and setl_time >= $5::timestamptz - (greatest(${th('rxOverlapLookbackDays')}, 1) + 1) * interval '1 day'
         and setl_time < $5::timestamptz + interval '1 day'
    )`,
    `same as (select setl_id from loaded where mdtrt_id = $7 and fixmedins_code = $6)`,
  ];
  if (kinds.has('split') || kinds.has('two-places')) {
    ctes.push(`visits as (
      select region_code, month, setl_id, setl_time, psn_no, fixmedins_code, inst_city, fund from public.ind_visits
       where region_code = $2 and psn_no = $4
         and setl_time >= least(date_trunc('day', $5::timestamptz), $5::timestamptz - ${th('twoPlacesMinutes')} * interval '1 minute')
         and setl_time < date_trunc('day', $5::timestamptz) + interval '1 day'
         and setl_id not in (select setl_id from same)
      union all
      select e.region_code, date_trunc('month', e.adm_time)::date, 'RT:' || e.fixmedins_code || ':' || e.mdtrt_id, e.adm_time, e.psn_no, e.fixmedins_code, e.inst_city, e.fund
        from rt_encounters e
       where e.region_code = $2 and e.psn_no = $4 and e.med_type not like '2%'
         and e.adm_time >= least(date_trunc('day', $5::timestamptz), $5::timestamptz - ${th('twoPlacesMinutes')} * interval '1 minute')
         and e.adm_time < date_trunc('day', $5::timestamptz) + interval '1 day'
         and 'RT:' || e.fixmedins_code || ':' || e.mdtrt_id <> $13
         and not exists (select 1 from loaded l where l.mdtrt_id = e.mdtrt_id and l.fixmedins_code = e.fixmedins_code)
      union all
      select distinct on (setl_id) region_code, month, setl_id, setl_time, psn_no, fixmedins_code, inst_city, fund from ind_visits
    )`);
  }
  if (kinds.has('overlap')) {
    ctes.push(`rx_lines as (
      select f.admdvs as region_code, f.psn_no, f.hilist_code, f.setl_id, f.setl_time, f.medc_days as days, f.det_item_fee_sumamt as amt, null::text as rx_id
        from settlements s
        join fee_details f on f.admdvs = s.admdvs and f.setl_id = s.setl_id and f.setl_time = s.setl_time
       where s.admdvs = $2 and s.psn_no = $4 and not s.reversed and not s.refd_setl_flag
         and s.setl_time >= $5::timestamptz - ${th('rxOverlapLookbackDays')} * interval '1 day' and s.setl_time <= $5::timestamptz
         and f.setl_time >= $5::timestamptz - ${th('rxOverlapLookbackDays')} * interval '1 day' and f.setl_time <= $5::timestamptz
         and s.setl_id not in (select setl_id from same)
         and f.med_chrgitm_type in ('09', '10', '11') and f.hilist_code is not null and f.medc_days > 0
      union all
      select o.region_code, o.psn_no, o.hilist_code, 'RT:' || o.fixmedins_code || ':' || o.mdtrt_id, o.adm_time, o.days, o.sumamt, null
        from rt_orders o
       where o.region_code = $2 and o.psn_no = $4 and o.days > 0
         and o.adm_time >= $5::timestamptz - ${th('rxOverlapLookbackDays')} * interval '1 day' and o.adm_time <= $5::timestamptz
         and 'RT:' || o.fixmedins_code || ':' || o.mdtrt_id <> $13
         and not exists (select 1 from loaded l where l.mdtrt_id = o.mdtrt_id and l.fixmedins_code = o.fixmedins_code)
      union all
      select region_code, psn_no, hilist_code, setl_id, setl_time, max_days, amt, rx_id from ind_visits where hilist_code is not null and max_days > 0
    )`);
  }
  const lines = (where: string) =>
    `coalesce(jsonb_agg(jsonb_build_object('rx_id', rx_id, 'amt', amt) order by rx_id) filter (where rx_id is not null and (${where})), '[]'::jsonb)`;
  const branches: string[] = [];
  for (const r of chosen) {
    if (r.kind === 'visit') {
      const v = monitoringRule(r.id).visit;
      if (!v) throw new Error(`rule ${r.id} has no per-visit condition`);
      branches.push(`select '${r.id}'::text as rule_id, (${v.value})::float8 as value, (${v.threshold})::float8 as threshold, count(*)::int as n,
        ${lines('true')} as lines, '{}'::jsonb as extra
        from ind_visits where (${v.where}) having count(*) > 0`);
    } else if (r.kind === 'split') {
      branches.push(`select 'SPLIT-VISIT', max(k)::float8, ${th('splitVisitMin')}, max(k)::int, '[]'::jsonb, jsonb_build_object('days', 1, 'persons', 1)
        from (${splitVisitRows('visits')}) v where setl_id = $13 and ${SPLIT_VISIT_HIT} having count(*) > 0`);
    } else if (r.kind === 'two-places') {
      branches.push(`select 'TWO-PLACES', min(extract(epoch from setl_time - p_time) / 60)::float8, ${th('twoPlacesMinutes')}, count(*)::int, '[]'::jsonb,
        jsonb_build_object('cities', array_agg(distinct p_city) || array_agg(distinct inst_city), 'previous', min(p_id))
        from (${twoPlacesRows('visits')}) v where setl_id = $13 and ${TWO_PLACES_HIT} having count(*) > 0`);
    } else if (r.kind === 'overlap') {
      branches.push(`select 'RX-OVERLAP', round(max(extract(epoch from prev_end - setl_time) / 86400))::float8, ${th('rxOverlapDays')}, count(*)::int,
        ${lines('true')}, jsonb_build_object('drugs', string_agg(distinct hilist_code, '、'))
        from (${overlapRows('rx_lines')}) q where setl_id = $13 and ${RX_OVERLAP_HIT} having count(*) > 0`);
    }
  }
  if (!branches.length) return '';
  return `with ${ctes.join(',\n')}\n${branches.join('\nunion all\n')}`;
}

const sqlCache = new Map<string, { text: string; name: string }>();

function rulesQuery(chosen: RealtimeRule[]): { text: string; name: string } | null {
  const key = chosen.map((r) => r.id).join(',');
  let q = sqlCache.get(key);
  if (!q) {
    const text = rulesSql(chosen);
    q = { text, name: `rt_rules_${sqlCache.size}` };
    sqlCache.set(key, q);
  }
  return q.text ? q : null;
}

interface HitRow {
  rule_id: string;
  value: number | null;
  threshold: number | null;
  n: number;
  lines: Array<{ rx_id: string; amt: number | null }>;
  extra: Record<string, unknown>;
}

function newJrId(region: string): string {
  return `JR${region}${Date.now().toString(36).toUpperCase()}${randomBytes(6).toString('hex').toUpperCase()}`;
}

/** Judges one patient's current encounter. */
export async function checkPatient(
  c: pg.ClientBase,
  ctx: CheckContext,
  patient: PatientDto,
  enc: EncounterDto,
): Promise<{ results: CheckedResult[]; stored: StoredEncounter }> {
  const region = ctx.region;
  const inst = ctx.institution;
  const t = enc.adm_date;
  if (!t) throw new Error('adm_date is validated as required');
  const time = t.literal;
  const year = t.date.slice(0, 4);
  const chosen = REALTIME_RULES.filter((r) => !ctx.ruleIds || ctx.ruleIds.has(r.id));
  const mon = monitoringFor(region);
  const thresholds = Object.fromEntries(Object.entries(mon.thresholds).map(([k, v]) => [k, v.value]));

  const cx = await c.query<{ psn_type: string | null; totals: { fund: number; ded: number } | null; inpatient: boolean }>({
    name: 'rt_context',
    text: CONTEXT_SQL,
    values: [region, patient.patn_id, time, `${year}-01-01`, inst.code, enc.mdtrt_id],
  });
  const row = cx.rows[0];
  const psnType = row?.psn_type ?? '1101';
  const retired = psnType.startsWith('12') || psnType.startsWith('13') || psnType === 'retired';

  // an inpatient stay covering the encounter: an earlier check, or another encounter of this request
  const inpatientHere = patient.fsi_encounter_dtos.some(
    (e) => e !== enc && e.med_type.startsWith('2') && e.adm_date !== null && e.adm_date.ms <= t.ms && (e.dscg_date === null || e.dscg_date.ms + DAY > t.ms),
  );
  const inpatient = !!row?.inpatient || inpatientHere;
  const pharmacy = inst.type === 'pharmacy' || enc.med_type === '41';
  const prescribed = !!enc.dr_codg || enc.fsi_order_dtos.some((o) => !!o.drord_dr_codg);
  const emergency = enc.med_type === '13';
  // the flags of ind_visits (lib/indicators/refresh.ts), from what the encounter and the master data say
  const flags = (!inst.designated && !emergency ? 1 : 0) | (pharmacy && !prescribed ? 2 : 0) | (inpatient ? 16 : 0);

  // what the fund would pay for it under the policy in force, continuing the year's loaded claims
  const eng = engine();
  eng.reset();
  if (row?.totals) eng.seed(patient.patn_id, year, Number(row.totals.fund), Number(row.totals.ded));
  const lv = enc.medins_lv ? Number(enc.medins_lv) : NaN;
  const level = inst.level ?? (lv >= 1 && lv <= 4 ? 3 : lv >= 5 && lv <= 7 ? 2 : 1);
  const outcome = eng.adjudicate({
    setlId: enc.mdtrt_id,
    psnNo: patient.patn_id,
    retired,
    admdvs: region,
    date: t.date,
    pharmacy,
    level,
    feeClass: inst.feeClass,
    medType: enc.med_type,
    medfeeSumamt: enc.medfee_sumamt,
    inscpScpAmt: enc.medfee_sumamt,
    preselfpayAmt: 0,
    fulamtOwnpayAmt: 0,
    designated: true,
    emergency,
    hasCard: true,
    rxFromDesignated: null,
    outOfAreaTemporary: false,
    inArrears: false,
    inpatientOverlap: false,
    suspended: false,
  });
  const fund = outcome.error ? enc.medfee_sumamt : outcome.fundPay;

  const orders = enc.fsi_order_dtos.map((o) => ({
    rxId: o.rx_id,
    hilistCode: o.hilist_code,
    hilistName: o.hilist_name,
    days: isDrug(o) ? orderDays(o) : null,
    sumamt: o.sumamt,
  }));
  // one ind_visits-shaped row per order line (max_days = the line's days; drugs only, as the monitoring's max_days)
  const lineRows = enc.fsi_order_dtos.length
    ? enc.fsi_order_dtos.map((o, i) => ({ rx_id: o.rx_id, hilist_code: isDrug(o) ? o.hilist_code : null, days: orders[i]?.days ?? null, amt: o.sumamt }))
    : [{ rx_id: null, hilist_code: null, days: null, amt: null }];
  const instCity = enc.medins_admdvs && /^\d{6}$/.test(enc.medins_admdvs) ? enc.medins_admdvs : region;
  const chronic = enc.med_type === '14';
  const candId = rtId(inst.code, enc.mdtrt_id);

  const hits: HitRow[] = [];
  const q = rulesQuery(chosen);
  if (q) {
    const r = await c.query<HitRow>({
      name: q.name,
      text: q.text,
      values: [JSON.stringify(lineRows), region, JSON.stringify(thresholds), patient.patn_id, time, inst.code, enc.mdtrt_id, instCity, enc.med_type, chronic, flags, fund, candId],
    });
    hits.push(...r.rows);
  }

  const results: CheckedResult[] = [];
  const order = new Map(REALTIME_RULES.map((r, i) => [r.id, i]));
  hits.sort((a, b) => (order.get(a.rule_id) ?? 0) - (order.get(b.rule_id) ?? 0));
  for (const h of hits) {
    const spec = REALTIME_RULES.find((r) => r.id === h.rule_id);
    if (!spec) continue;
    const rule = monitoringRule(h.rule_id);
    const lineAmt = h.lines.reduce((a, l) => a + Number(l.amt ?? 0), 0);
    const amount = spec.amount === 'lines' ? lineAmt : fund;
    const subjectId = rule.subject === 'insured' ? patient.patn_id : rule.subject === 'doctor' ? (enc.dr_codg ?? inst.code) : inst.code;
    const finding: Finding = {
      region_code: region,
      subject_type: rule.subject,
      subject_id: subjectId,
      subject_name: rule.subject === 'institution' ? inst.name : null,
      period_key: t.date,
      period_start: t.date,
      period_end: t.date,
      value: h.value,
      threshold: h.threshold,
      amount,
      n: spec.kind === 'visit' || spec.kind === 'overlap' ? Math.max(1, h.lines.length) : h.n,
      extra: h.extra,
    };
    const jrId = newJrId(region);
    const details: DetailDto[] = h.lines.length
      ? h.lines.map((l, i) => ({
          jrd_id: `${jrId}-${i + 1}`,
          patn_id: patient.patn_id,
          mdtrt_id: enc.mdtrt_id,
          rx_id: l.rx_id,
          vola_item_type: '1',
          vola_amt: yuanText(Number(l.amt ?? 0)),
        }))
      : [{ jrd_id: `${jrId}-1`, patn_id: patient.patn_id, mdtrt_id: enc.mdtrt_id, rx_id: null, vola_item_type: '2', vola_amt: yuanText(amount) }];
    results.push({
      ruleId: rule.id,
      amountFen: amount,
      dto: {
        jr_id: jrId,
        rule_id: rule.id,
        rule_name: rule.nameZh,
        vola_cont: explain(rule, finding, mon.thresholds),
        patn_id: patient.patn_id,
        mdtrt_id: enc.mdtrt_id,
        vola_amt: yuanText(amount),
        sev_deg: sevDeg(rule),
        vola_evid: basisText(resolveBasis(rule.id, region).basis),
        vola_bhvr_type: volaBhvrType(rule),
        task_id: ctx.taskId,
        judge_result_detail_dtos: details,
      },
    });
  }

  // the annual cap of the policy in force already used up by the year's payments
  if (chosen.some((r) => r.kind === 'cap') && !outcome.error && outcome.capped && outcome.fundPay === 0) {
    const lost = applyRate(outcome.eligible - outcome.deductible, outcome.rateBp);
    let evid = '';
    let cap = 0;
    try {
      const p = policyFor(policySet(), region, t.date);
      cap = retired ? p.annual_cap_fen.retired : p.annual_cap_fen.in_service;
      evid = `${citeLabel(policySet(), p.annual_cap_fen.cite)}（政策版本 ${p.id}）`;
    } catch (e) {
      if (!(e instanceof PolicyNotFound)) throw e;
    }
    const jrId = newJrId(region);
    const meta = ruleMeta(CAP_RULE.id);
    results.push({
      ruleId: CAP_RULE.id,
      amountFen: lost,
      dto: {
        jr_id: jrId,
        rule_id: CAP_RULE.id,
        rule_name: meta.nameZh,
        vola_cont: `参保人 ${maskId(patient.patn_id)} ${t.date.slice(0, 4)}年门诊统筹基金已支付 ${money(outcome.yearFundPaid)}，已达年度最高支付限额 ${money(cap)}，本次就诊应由统筹支付的 ${money(lost)} 不予支付；依据 ${evid}`,
        patn_id: patient.patn_id,
        mdtrt_id: enc.mdtrt_id,
        vola_amt: yuanText(lost),
        sev_deg: sevDeg(meta),
        vola_evid: evid,
        vola_bhvr_type: volaBhvrType(meta),
        task_id: ctx.taskId,
        judge_result_detail_dtos: enc.fsi_order_dtos.map((o, i) => ({
          jrd_id: `${jrId}-${i + 1}`,
          patn_id: patient.patn_id,
          mdtrt_id: enc.mdtrt_id,
          rx_id: o.rx_id,
          vola_item_type: '1',
          vola_amt: yuanText(o.sumamt),
        })),
      },
    });
  }

  return {
    results,
    stored: {
      mdtrtId: enc.mdtrt_id,
      admTime: time,
      dscgTime: enc.dscg_date?.literal ?? null,
      psnNo: patient.patn_id,
      medType: enc.med_type,
      instCity,
      drCodg: enc.dr_codg,
      medfee: enc.medfee_sumamt,
      fund,
      chronic,
      orders,
    },
  };
}

/**
 * Stores the call (rt_calls), the checked encounters (replacing an earlier check of them), their orders and results,
 * in one statement (one round trip of the call's seven).
 */
export async function storeCheck(
  c: pg.ClientBase,
  o: { region: string; institution: string; endpoint: string; trigScen: string; taskId: string | null; keyId: number; ms: number },
  checks: Array<{ results: CheckedResult[]; stored: StoredEncounter }>,
): Promise<void> {
  const enc = checks.map((x) => ({
    mdtrt_id: x.stored.mdtrtId,
    adm_time: x.stored.admTime,
    dscg_time: x.stored.dscgTime,
    psn_no: x.stored.psnNo,
    med_type: x.stored.medType,
    inst_city: x.stored.instCity,
    dr_codg: x.stored.drCodg,
    medfee: x.stored.medfee,
    fund: x.stored.fund,
    chronic: x.stored.chronic,
  }));
  const orders = checks.flatMap((x) =>
    x.stored.orders.map((l, i) => ({ mdtrt_id: x.stored.mdtrtId, line_no: i + 1, rx_id: l.rxId, psn_no: x.stored.psnNo, adm_time: x.stored.admTime, hilist_code: l.hilistCode, hilist_name: l.hilistName, days: l.days, sumamt: l.sumamt })),
  );
  const results = checks.flatMap((x) =>
    x.results.map((r) => ({
      jr_id: r.dto.jr_id,
      mdtrt_id: r.dto.mdtrt_id,
      psn_no: r.dto.patn_id,
      rule_id: r.ruleId,
      sev_deg: r.dto.sev_deg,
      vola_amt: r.amountFen,
      vola_cont: r.dto.vola_cont,
      vola_evid: r.dto.vola_evid,
      details: r.dto.judge_result_detail_dtos,
    })),
  );
  await c.query({
    name: 'rt_store',
    text: `
with call as (
  insert into rt_calls (region_code, key_id, fixmedins_code, endpoint, status, ms, trig_scen, task_id, results)
  values ($1, $6, $2, $7, 200, $12, $3, $8, $13) returning id
),
e as (
  insert into rt_encounters (region_code, fixmedins_code, mdtrt_id, adm_time, dscg_time, psn_no, med_type, inst_city, dr_codg, medfee, fund, chronic, trig_scen)
  select $1, $2, x.mdtrt_id, x.adm_time, x.dscg_time, x.psn_no, x.med_type, x.inst_city, x.dr_codg, x.medfee, x.fund, x.chronic, $3
    from jsonb_to_recordset($4::jsonb) as x(mdtrt_id text, adm_time timestamptz, dscg_time timestamptz, psn_no text, med_type text, inst_city text, dr_codg text, medfee bigint, fund bigint, chronic boolean)
  on conflict (region_code, fixmedins_code, mdtrt_id) do update set adm_time = excluded.adm_time, dscg_time = excluded.dscg_time, psn_no = excluded.psn_no,
    med_type = excluded.med_type, inst_city = excluded.inst_city, dr_codg = excluded.dr_codg, medfee = excluded.medfee, fund = excluded.fund,
    chronic = excluded.chronic, trig_scen = excluded.trig_scen, checked_at = now()
  returning mdtrt_id
),
o as (
  insert into rt_orders (region_code, fixmedins_code, mdtrt_id, line_no, rx_id, psn_no, adm_time, hilist_code, hilist_name, days, sumamt)
  select $1, $2, x.mdtrt_id, x.line_no, x.rx_id, x.psn_no, x.adm_time, x.hilist_code, x.hilist_name, x.days, x.sumamt
    from jsonb_to_recordset($5::jsonb) as x(mdtrt_id text, line_no int, rx_id text, psn_no text, adm_time timestamptz, hilist_code text, hilist_name text, days int, sumamt bigint)
  on conflict (region_code, fixmedins_code, mdtrt_id, line_no) do update set rx_id = excluded.rx_id, psn_no = excluded.psn_no, adm_time = excluded.adm_time,
    hilist_code = excluded.hilist_code, hilist_name = excluded.hilist_name, days = excluded.days, sumamt = excluded.sumamt
  returning mdtrt_id, line_no
),
d as (
  -- lines an earlier check of the encounter had beyond this one's (by the primary key: =any on mdtrt_id, not a join
  -- a generic plan would make a scan of the institution's lines)
  delete from rt_orders r
   where r.region_code = $1 and r.fixmedins_code = $2 and r.mdtrt_id = any($10::text[])
     and r.line_no > coalesce(($11::int[])[array_position($10::text[], r.mdtrt_id)], 0)
  returning 1
)
insert into rt_results (region_code, jr_id, call_id, endpoint, fixmedins_code, mdtrt_id, psn_no, rule_id, sev_deg, vola_amt, vola_cont, vola_evid, task_id, details)
select $1, x.jr_id, (select id from call), $7, $2, x.mdtrt_id, x.psn_no, x.rule_id, x.sev_deg, x.vola_amt, x.vola_cont, x.vola_evid, $8, x.details
  from jsonb_to_recordset($9::jsonb) as x(jr_id text, mdtrt_id text, psn_no text, rule_id text, sev_deg text, vola_amt bigint, vola_cont text, vola_evid text, details jsonb)`,
    values: [
      o.region,
      o.institution,
      o.trigScen,
      JSON.stringify(enc),
      JSON.stringify(orders),
      o.keyId,
      o.endpoint,
      o.taskId,
      JSON.stringify(results),
      checks.map((x) => x.stored.mdtrtId),
      checks.map((x) => x.stored.orders.length),
      o.ms,
      results.length,
    ],
  });
}
