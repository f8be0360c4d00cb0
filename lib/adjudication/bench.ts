/**
 * Engine throughput for `bench`: synthetic visits in memory, the engine alone (no parsing, no I/O),
 * persons of 8 visits each spread over the five policies' regions.
 */
import { loadPolicies } from '../policies';
import { Adjudicator, type Visit } from './engine';

const REGIONS = ['140500', '140800', '430100', '360100', '152501'];

export function benchAdjudication(n: number): { visits: number; visits_per_s: number; ms: number; fund_fen: number } {
  const adjudicator = new Adjudicator(loadPolicies());
  const visits: Visit[] = [];
  for (let i = 0; i < Math.min(n, 200_000); i++) {
    const person = Math.floor(i / 8);
    const month = 7 + (i % 6);
    visits.push({
      setlId: `B${i}`,
      psnNo: `P${person}`,
      retired: person % 3 === 0,
      admdvs: REGIONS[person % REGIONS.length] ?? '140500',
      date: `2024-${String(month).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      pharmacy: i % 5 === 0,
      level: 1 + (i % 3),
      feeClass: 1 + (i % 3),
      medType: '11',
      medfeeSumamt: 10_000 + ((i * 7919) % 90_000),
      inscpScpAmt: 8_000 + ((i * 7919) % 80_000),
      preselfpayAmt: (i * 31) % 500,
      fulamtOwnpayAmt: 0,
      designated: true,
      emergency: false,
      hasCard: true,
      rxFromDesignated: null,
      outOfAreaTemporary: false,
      inArrears: false,
      inpatientOverlap: false,
      suspended: false,
    });
  }
  let fund = 0;
  // Warm up the policy cache and the JIT, then time n visits.
  for (const v of visits.slice(0, 20_000)) adjudicator.adjudicate(v);
  adjudicator.reset();
  const t = performance.now();
  for (let i = 0; i < n; i++) {
    const v = visits[i % visits.length] as Visit;
    if (i % visits.length === 0) adjudicator.reset();
    fund += adjudicator.adjudicate(v).fundPay;
  }
  const ms = performance.now() - t;
  return { visits: n, visits_per_s: (n / ms) * 1000, ms, fund_fen: fund };
}
