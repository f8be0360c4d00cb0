/**
 * How doctors answered the real-time warnings (3103), per rule: for the rule-quality page and the bureau's page.
 * A warning's answer is its latest disposition (every one is kept in rt_dispositions); 继续执行 (dspo_way 1) comes
 * with the doctor's reason, 已修改 (2) means the order was changed.
 */
import type pg from 'pg';

export interface RuleDispositions {
  rule_id: string;
  /** warnings answered to the institutions' systems */
  warnings: number;
  /** warnings with a disposition */
  answered: number;
  /** 继续执行 */
  continued: number;
  /** 已修改 */
  modified: number;
  /** the reasons given for 继续执行, most frequent first (at most 10) */
  reasons: Array<{ reason: string; n: number }>;
}

/** Per rule over the regions given ('*' = all the client may see; RLS limits it further). */
export async function dispositionsByRule(c: pg.ClientBase, regions: string[], o: { from?: string; to?: string } = {}): Promise<RuleDispositions[]> {
  const all = regions.includes('*');
  const r = await c.query<RuleDispositions>(
    `with w as (
       select r.rule_id, d.dspo_way, d.dspo_wayrea
         from rt_results r
         left join lateral (select dspo_way, dspo_wayrea from rt_dispositions d where d.region_code = r.region_code and d.jr_id = r.jr_id
                             order by d.at desc, d.id desc limit 1) d on true
        where ($1::boolean or r.region_code = any($2::text[]))
          and ($3::date is null or r.at >= $3::date::timestamp at time zone 'Asia/Shanghai')
          and ($4::date is null or r.at < ($4::date + 1)::timestamp at time zone 'Asia/Shanghai')
     ),
     reasons as (
       select rule_id, jsonb_agg(jsonb_build_object('reason', reason, 'n', n) order by n desc, reason) as reasons
         from (select rule_id, dspo_wayrea as reason, count(*)::int as n, row_number() over (partition by rule_id order by count(*) desc, dspo_wayrea) as k
                 from w where dspo_way = '1' and dspo_wayrea is not null group by rule_id, dspo_wayrea) x
        where k <= 10 group by rule_id
     )
     select w.rule_id, count(*)::int as warnings, count(dspo_way)::int as answered,
       count(*) filter (where dspo_way = '1')::int as continued, count(*) filter (where dspo_way = '2')::int as modified,
       coalesce(max(reasons.reasons::text)::jsonb, '[]'::jsonb) as reasons
       from w left join reasons using (rule_id)
      group by w.rule_id order by count(*) desc, w.rule_id`,
    [all, regions.filter((x) => x !== '*'), o.from ?? null, o.to ?? null],
  );
  return r.rows;
}
