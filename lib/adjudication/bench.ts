/**
 * Engine throughput for `bench`: synthetic visits built in memory beforehand, then the engine alone
 * (no parsing, no I/O). Persons of 8 visits each across the five policies' regions, both sides of the
 * Shanxi 2024-07-01 change and a year boundary, with pharmacies, retired persons and ~2 % excluded
 * visits. The timed loop runs three times after a warm-up; the median rate is reported.
 */
import { loadPolicies, type PolicySet } from '../policies';
import { Adjudicator, type Visit } from './engine';

const REGIONS = ['140500', '140800', '430100', '360100', '152501'];
const POOL = 200_000;

function syntheticVisits(count: number): Visit[] {
  const visits: Visit[] = [];
  for (let i = 0; i < count; i++) {
    const person = Math.floor(i / 8);
    const admdvs = REGIONS[person % REGIONS.length] ?? '140500';
    // 140800 (运城) is only covered from 2024-07; the others over 2023-12 … 2024-12
    const month = admdvs === '140800' ? 7 + (i % 6) : 1 + ((i + person) % 12);
    const year = admdvs !== '140800' && i % 8 === 0 ? 2023 : 2024;
    visits.push({
      setlId: `B${i}`,
      psnNo: `P${person}`,
      retired: person % 3 === 0,
      admdvs,
      date: `${year}-${String(year === 2023 ? 12 : month).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`,
      pharmacy: i % 5 === 0,
      level: 1 + (i % 3),
      feeClass: admdvs.startsWith('14') ? 1 + (i % 3) : null,
      medType: i % 97 === 0 ? '14' : '11',
      medfeeSumamt: 10_000 + ((i * 7919) % 90_000),
      inscpScpAmt: 8_000 + ((i * 7919) % 80_000),
      preselfpayAmt: (i * 31) % 500,
      fulamtOwnpayAmt: (i * 13) % 700,
      designated: i % 53 !== 0,
      emergency: false,
      hasCard: true,
      rxFromDesignated: i % 5 === 0 ? i % 59 !== 0 : null,
      outOfAreaTemporary: false,
      inArrears: false,
      inpatientOverlap: i % 211 === 0,
      suspended: false,
    });
  }
  // each person's visits in time order, as the engine expects
  visits.sort((a, b) => Number(a.psnNo.slice(1)) - Number(b.psnNo.slice(1)) || a.date.localeCompare(b.date));
  return visits;
}

export function benchAdjudication(n: number, policies: PolicySet = loadPolicies()): { visits: number; visits_per_s: number; ms: number; fund_fen: number } {
  const adjudicator = new Adjudicator(policies);
  const visits = syntheticVisits(Math.min(n, POOL));
  // Warm up the policy cache and the JIT.
  for (const v of visits.slice(0, 20_000)) adjudicator.adjudicate(v);
  const rounds: Array<{ ms: number; fund: number }> = [];
  for (let round = 0; round < 3; round++) {
    adjudicator.reset();
    let fund = 0;
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const j = i % visits.length;
      if (j === 0) adjudicator.reset();
      fund += adjudicator.adjudicate(visits[j] as Visit).fundPay;
    }
    rounds.push({ ms: performance.now() - t, fund });
  }
  rounds.sort((a, b) => a.ms - b.ms);
  const median = rounds[1] ?? { ms: 1, fund: 0 };
  return { visits: n, visits_per_s: Math.round((n / median.ms) * 1000), ms: Math.round(median.ms), fund_fen: median.fund };
}
