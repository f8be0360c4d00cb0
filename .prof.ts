import { createDb, databaseUrl } from './lib/db/client';
import { timeDayBatch } from './lib/indicators/bench';
import { refreshIndicators } from './lib/indicators/refresh';
import { runRules } from './lib/rules/run';
async function main() {
  const u = new URL(await databaseUrl()); u.pathname = '/ofm_bench';
  const db = createDb(u.toString(), 4);
  const what = process.argv[2] ?? 'day';
  if (what === 'day') console.log(JSON.stringify(await timeDayBatch(db)));
  if (what === 'rules') {
    const d = await db.$client.query<{ day: string }>(`select to_char(max(setl_time), 'YYYY-MM-DD') as day from settlements`);
    const day = d.rows[0]!.day;
    const scope = { months: [day.slice(0, 7)], regionCodes: [], days: [day] };
    let t = performance.now(); await refreshIndicators(db, scope); console.log('refresh', Math.round(performance.now() - t));
    t = performance.now(); const r = await runRules(db, scope); console.log('rules', Math.round(performance.now() - t));
    console.log(r.rules.filter((x) => x.ms > 20).map((x) => `${x.id} ${x.ms}`).join('\n'));
  }
  await db.$client.end();
}
main().catch((e) => { console.error(e); process.exit(2); });
