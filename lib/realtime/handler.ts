/**
 * POST /api/nhsa/3101 | 3102 | 3103: machine-to-machine calls from the institutions' systems with
 * `Authorization: Bearer <key>` (lib/realtime/keys.ts). proxy.ts lets these three paths through without a session
 * and without its same-origin/body-type checks (a key is not sent by a browser on its own, so there is no cross-site
 * request to forge); the key is checked here, first, and everything after it runs in one transaction scoped to the
 * key's region (row-level security, lib/realtime/db.ts).
 *
 * Answers: 401 without a valid key (no key, unknown, revoked), 400 for a body that does not parse or a field that is
 * missing or wrong (the field is named), 403 for an encounter or a warning of another institution; each with
 * infcode -1 and a Chinese err_msg, and nothing of the request stored. A call with a valid key is counted in
 * rt_calls with its status and time, refused or not.
 */
import type { Db } from '../db/client';
import type { Actor } from '../db/scoped';
import { readJsonBody } from '../http/json-body';
import { checkPatient, currentEncounter, storeCheck, type CheckedResult, type Institution, type ResultDto, type StoredEncounter } from './check';
import { withScope } from './db';
import { checkBody, feedbackBody, parseBody, TRIG_SCEN } from './input';
import { hashKey, keyRegion } from './keys';

export type Endpoint = '3101' | '3102' | '3103';

const HEADERS = { 'Cache-Control': 'no-store' };

function refuse(status: number, message: string, field: string | null = null): Response {
  return Response.json({ infcode: -1, err_msg: message, ...(field ? { err_field: field } : {}), output: null }, { status, headers: HEADERS });
}

class Refusal {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly field: string | null = null,
  ) {}
}

interface KeyRow {
  id: number;
  fixmedins_code: string;
  revoked: boolean;
  fixmedins_name: string | null;
  fixmedins_type: string | null;
  hosp_lv: number | null;
  fee_class: number | null;
  designated: boolean | null;
}

const KEY_SQL = `
select k.id::int as id, k.fixmedins_code, k.revoked_at is not null as revoked, i.fixmedins_name, i.fixmedins_type, i.hosp_lv, i.fee_class, i.designated
  from rt_api_keys k left join institutions i on i.region_code = k.region_code and i.fixmedins_code = k.fixmedins_code
 where k.region_code = $1 and k.key_hash = $2`;

/** The bearer key of the request, or null. */
function bearer(req: Request): string | null {
  const h = req.headers.get('authorization') ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1] ?? null;
}

export async function handleNhsa(db: Db, endpoint: Endpoint, req: Request): Promise<Response> {
  const t0 = performance.now();
  const key = bearer(req);
  const region = key ? keyRegion(key) : null;
  if (!key || !region) return refuse(401, '缺少或无效的接口密钥（Authorization: Bearer <密钥>）');
  const actor: Actor = { userId: null, name: `nhsa-key:${region}`, role: 'viewer', regions: [region] };
  // the body is read before a connection is taken (a slow sender must not hold one); judged after the key
  const raw = await readJsonBody(req);
  try {
    return await withScope(db, actor, async (c) => {
      const k = (await c.query<KeyRow>({ name: 'rt_key', text: KEY_SQL, values: [region, hashKey(key)] })).rows[0];
      if (!k || k.revoked) return refuse(401, k ? '接口密钥已作废' : '接口密钥无效');
      const log = async (status: number, trigScen: string | null, taskId: string | null, results: number, error: string | null) => {
        const r = await c.query<{ id: number }>({
          name: 'rt_log',
          text: `insert into rt_calls (region_code, key_id, fixmedins_code, endpoint, status, ms, trig_scen, task_id, results, error)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) returning id::int as id`,
          values: [region, k.id, k.fixmedins_code, endpoint, status, performance.now() - t0, trigScen, taskId, results, error],
        });
        return Number(r.rows[0]?.id);
      };
      try {
        if (!raw.ok) throw new Refusal(400, raw.error, null);
        if (endpoint === '3103') return await feedback(c, region, k, raw.value, log);
        return await check(c, region, k, endpoint, raw.value, t0);
      } catch (e) {
        if (!(e instanceof Refusal)) throw e;
        // refused before anything of the request was written (validation comes first): only the call is counted
        await log(e.status, null, null, 0, e.message.slice(0, 500));
        return refuse(e.status, e.message, e.field);
      }
    }, { fast: true });
  } catch (e) {
    console.error(`nhsa ${endpoint}:`, e);
    return refuse(500, '系统内部错误，请稍后重试');
  }
}

type Log = (status: number, trigScen: string | null, taskId: string | null, results: number, error: string | null) => Promise<number>;

async function check(c: import('pg').ClientBase, region: string, k: KeyRow, endpoint: '3101' | '3102', raw: unknown, t0: number): Promise<Response> {
  const p = parseBody(checkBody, raw);
  if (!p.ok) throw new Refusal(400, p.message, p.field);
  const data = p.value.input.data;
  if (!TRIG_SCEN[endpoint].includes(data.trig_scen)) {
    throw new Refusal(400, `字段 input.data.trig_scen 无效：${endpoint} 的触发场景应为 ${TRIG_SCEN[endpoint].join('、')}`, 'input.data.trig_scen');
  }
  const seen = new Set<string>();
  const work = data.patient_dtos.map((pt, i) => {
    const enc = currentEncounter(pt);
    if (!enc) throw new Refusal(400, `字段 input.data.patient_dtos[${i}].curr_mdtrt_id 无效：就诊列表中没有该就诊号`, `input.data.patient_dtos[${i}].curr_mdtrt_id`);
    pt.fsi_encounter_dtos.forEach((e, j) => {
      // every encounter of the request must be the key's institution's (an inpatient stay elsewhere included: the
      // institution may only send what it holds)
      if (e.medins_id !== k.fixmedins_code) {
        throw new Refusal(403, `就诊 ${e.mdtrt_id} 属于机构 ${e.medins_id}，本接口密钥只能用于机构 ${k.fixmedins_code}`, `input.data.patient_dtos[${i}].fsi_encounter_dtos[${j}].medins_id`);
      }
    });
    if (seen.has(enc.mdtrt_id)) throw new Refusal(400, `字段 input.data.patient_dtos[${i}].curr_mdtrt_id 无效：就诊号 ${enc.mdtrt_id} 重复`, `input.data.patient_dtos[${i}]`);
    seen.add(enc.mdtrt_id);
    return { pt, enc };
  });
  const inst: Institution = {
    code: k.fixmedins_code,
    name: k.fixmedins_name,
    type: k.fixmedins_type,
    level: k.hosp_lv,
    feeClass: k.fee_class,
    designated: k.designated ?? true,
  };
  const ruleIds = data.rule_ids?.length ? new Set(data.rule_ids.map((x) => x.trim())) : null;
  const ctx = { region, institution: inst, trigScen: data.trig_scen, taskId: data.task_id, ruleIds };
  const checks: Array<{ results: CheckedResult[]; stored: StoredEncounter }> = [];
  for (const w of work) checks.push(await checkPatient(c, ctx, w.pt, w.enc));
  const result: ResultDto[] = checks.flatMap((x) => x.results.map((r) => r.dto));
  await storeCheck(c, { region, institution: k.fixmedins_code, endpoint, trigScen: data.trig_scen, taskId: data.task_id, keyId: k.id, ms: performance.now() - t0 }, checks);
  return Response.json({ infcode: 0, err_msg: null, output: { result } }, { headers: HEADERS });
}

async function feedback(c: import('pg').ClientBase, region: string, k: KeyRow, raw: unknown, log: Log): Promise<Response> {
  const p = parseBody(feedbackBody, raw);
  if (!p.ok) throw new Refusal(400, p.message, p.field);
  const list = p.value.input.data.warn_rslt_dtos;
  list.forEach((w, i) => {
    if (w.dspo_way === '1' && !w.dspo_wayrea) {
      throw new Refusal(400, `字段 input.data.warn_rslt_dtos[${i}].dspo_wayrea 无效：选择继续执行（dspo_way=1）时须填写理由`, `input.data.warn_rslt_dtos[${i}].dspo_wayrea`);
    }
  });
  const found = await c.query<{ jr_id: string; rule_id: string; fixmedins_code: string }>({
    name: 'rt_find_results',
    text: 'select jr_id, rule_id, fixmedins_code from rt_results where region_code = $1 and jr_id = any($2::text[])',
    values: [region, list.map((w) => w.jr_id)],
  });
  const byId = new Map(found.rows.map((r) => [r.jr_id, r]));
  const rows = list.map((w, i) => {
    const r = byId.get(w.jr_id);
    if (!r) throw new Refusal(400, `字段 input.data.warn_rslt_dtos[${i}].jr_id 无效：预警编号 ${w.jr_id} 不存在`, `input.data.warn_rslt_dtos[${i}].jr_id`);
    if (r.fixmedins_code !== k.fixmedins_code) throw new Refusal(403, `预警 ${w.jr_id} 不属于本机构，不能反馈`, `input.data.warn_rslt_dtos[${i}].jr_id`);
    return { jr_id: w.jr_id, rule_id: r.rule_id, dspo_way: w.dspo_way, dspo_wayrea: w.dspo_wayrea };
  });
  await log(200, null, null, rows.length, null);
  await c.query({
    name: 'rt_dispose',
    text: `insert into rt_dispositions (region_code, jr_id, rule_id, fixmedins_code, key_id, dspo_way, dspo_wayrea)
           select $1, x.jr_id, x.rule_id, $2, $3, x.dspo_way, x.dspo_wayrea
             from jsonb_to_recordset($4::jsonb) as x(jr_id text, rule_id text, dspo_way text, dspo_wayrea text)`,
    values: [region, k.fixmedins_code, k.id, JSON.stringify(rows)],
  });
  return Response.json({ infcode: 0, err_msg: null, output: { result: rows.map((r) => ({ jr_id: r.jr_id, dspo_way: r.dspo_way, dspo_wayrea: r.dspo_wayrea })) } }, { headers: HEADERS });
}
