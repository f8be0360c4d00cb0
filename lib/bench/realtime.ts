/**
 * Real-time check latency (issue 23): 8 callers at once, each sending its next 3101/3102 as soon as the previous
 * answer arrives, for the busiest institution of the loaded data (its own key). Each request is a real person of that
 * region on the day after their last settlement, with three drug orders — two of them drugs the person was given
 * before, so the history reads (visits of the day and hour, drug lines of the 90-day look-back, the year's totals) find
 * rows. The handler is called in-process (lib/realtime/handler.ts: key, parse, rules, storing the encounter), on a
 * pool of 8 connections; the HTTP layer of the server is not part of the figure.
 */
import type { Db } from '../db/client';
import { SYSTEM } from '../db/scoped';
import { handleNhsa } from '../realtime/handler';
import { createKey } from '../realtime/keys';

export interface RealtimeBench {
  callers: number;
  calls: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  checks_per_s: number;
  warnings: number;
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function benchRealtime(db: Db, o: { callers?: number; calls?: number } = {}): Promise<RealtimeBench> {
  const callers = o.callers ?? 8;
  const calls = o.calls ?? 4000;
  const inst = (
    await db.$client.query<{ region: string; code: string }>(
      `select s.admdvs as region, s.fixmedins_code as code from settlements s join institutions i on i.region_code = s.admdvs and i.fixmedins_code = s.fixmedins_code
        where s.fixmedins_type = 'hospital' group by 1, 2 order by count(*) desc limit 1`,
    )
  ).rows[0];
  if (!inst) throw new Error('bench realtime: no hospital with settlements');
  const { key } = await createKey(db, SYSTEM, { institution: inst.code, region: inst.region, label: 'bench' });
  // persons of the region with their last visit and up to two drugs they had
  const persons = (
    await db.$client.query<{ psn: string; day: string; drugs: string[] }>(
      // their drugs through their settlements (settlements_psn_idx, then fee_details by setl_id): fee_details has no
      // index by person
      `with p as (select psn_no, max(setl_time) as last from settlements where admdvs = $1 group by psn_no order by md5(psn_no) limit 2000)
       select p.psn_no as psn, to_char((p.last at time zone 'Asia/Shanghai')::date + 1, 'YYYY-MM-DD') as day,
          coalesce((select (array_agg(distinct f.hilist_code))[1:2] from settlements s
              join fee_details f on f.admdvs = s.admdvs and f.setl_id = s.setl_id and f.setl_time = s.setl_time
             where s.admdvs = $1 and s.psn_no = p.psn_no and s.setl_time >= p.last - interval '90 days' and s.setl_time <= p.last
               and f.med_chrgitm_type in ('09', '10', '11') and f.hilist_code is not null), '{}') as drugs
         from p`,
      [inst.region],
    )
  ).rows;
  if (!persons.length) throw new Error('bench realtime: no persons');
  const body = (i: number) => {
    const p = persons[i % persons.length] ?? { psn: 'X', day: '2024-06-01', drugs: [] as string[] };
    const codes = [...p.drugs, 'BENCH-NEW'].slice(0, 3);
    while (codes.length < 3) codes.push(`BENCH-${codes.length}`);
    const stop = (days: number) => new Date(Date.parse(`${p.day}T00:00:00Z`) + (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const threeOne = i % 2 === 0;
    return {
      input: {
        data: {
          trig_scen: threeOne ? '2' : '7',
          task_id: `bench-${i}`,
          patient_dtos: [
            {
              patn_id: p.psn,
              curr_mdtrt_id: `BENCH-${i}`,
              fsi_encounter_dtos: [
                {
                  mdtrt_id: `BENCH-${i}`,
                  medins_id: inst.code,
                  medins_admdvs: inst.region,
                  adm_date: `${p.day} ${String(8 + (i % 10)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00`,
                  dr_codg: 'BENCH-DR',
                  med_type: '11',
                  medfee_sumamt: '180.00',
                  fsi_order_dtos: codes.map((c, k) => ({
                    rx_id: `R${i}-${k}`,
                    hilist_code: c,
                    hilist_type: '101',
                    sumamt: '60.00',
                    drord_begn_date: p.day,
                    drord_stop_date: stop(k === 0 ? 20 : 7),
                    drord_dr_codg: 'BENCH-DR',
                  })),
                },
              ],
            },
          ],
        },
      },
    };
  };
  const one = async (i: number) => {
    const req = new Request(`http://localhost/api/nhsa/${i % 2 === 0 ? '3101' : '3102'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body(i)),
    });
    const t0 = performance.now();
    const res = await handleNhsa(db, i % 2 === 0 ? '3101' : '3102', req);
    const j = (await res.json()) as { infcode: number; output: { result: unknown[] } | null };
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`bench realtime: HTTP ${res.status}`);
    return { ms, warnings: j.output?.result.length ?? 0 };
  };
  // warm-up: connections, prepared statements, the policy and threshold caches
  for (let i = 0; i < 3 * callers; i++) await one(calls + i);
  const times: number[] = [];
  let warnings = 0;
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < calls) {
        const r = await one(next++);
        times.push(r.ms);
        warnings += r.warnings;
      }
    }),
  );
  const wall = performance.now() - t0;
  times.sort((a, b) => a - b);
  return {
    callers,
    calls: times.length,
    p50_ms: round1(pct(times, 50)),
    p99_ms: round1(pct(times, 99)),
    max_ms: round1(times[times.length - 1] ?? 0),
    checks_per_s: Math.round((times.length / wall) * 1000),
    warnings,
  };
}
