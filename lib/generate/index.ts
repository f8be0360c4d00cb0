/**
 * `generate`: a reproducible synthetic data set (settlements.ndjson, details.ndjson, truth.json,
 * institutions.ndjson/.csv, doctors.ndjson). Persons are generated one at a time, their visits in time
 * order; each person's visits are settled by the adjudication engine, so clean claims carry exactly
 * what re-adjudication computes. Anomalies of docs/anomaly-kinds.md are injected at fixed rates
 * (every k-th visit, every k-th institution…) and listed in truth.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine, type Engine, type VisitRecord } from './engine';
import { Rng } from './prng';
import {
  CHRONIC_DRUGS,
  CONSULT_FEE,
  EXAM_ITEMS,
  ORDINARY_DRUGS,
  REGIONS,
  SELF_PAY_ITEM,
  TREAT_ITEMS,
  buildWorld,
  type Institution,
  type Item,
  type World,
} from './world';
import { csvCell } from '../export/csv';
import { LineWriter } from './writer';

export interface GenerateOptions {
  persons: number;
  months: number;
  seed: number;
  out: string;
  /** first month, 'YYYY-MM' (default 2024-01, so that 12 months span Shanxi's 2024-07-01 change) */
  from?: string;
  engine?: Engine;
  /**
   * Demo only: also put into every region the patterns the remaining rules look for — claims settled without a
   * card, in arrears or temporarily out of area (fund paid), prescriptions over the general but within the
   * maximum days, an impossible doctor day, two persons visiting together, repeated high-value purchases of one
   * drug at one pharmacy — so that every rule has something to show. Drawn from their own random stream and
   * off by default: the output for given persons/months/seed is unchanged. Listed in truth.json only where they reuse a kind of docs/anomaly-kinds.md (the extra institution-month injections).
   */
  showcase?: boolean;
}

export interface Anomaly {
  kind: string;
  subject_type: 'insured' | 'institution' | 'doctor';
  subject_id: string;
  region_code: string;
  period: string;
  setl_ids?: string[];
}

export interface GenerateResult {
  settlements: number;
  details: number;
  persons: number;
  institutions: number;
  doctors: number;
  anomalies: number;
  from: string;
  to: string;
  out: string;
  ms: number;
}

/** Injection periods: claim-level kinds hit every k-th visit of their scope (known, exact rates). */
export const RATES = {
  rx_over_long: 300,
  checkup_bundle: 500,
  split_visit: 500,
  two_places: 1000,
  non_designated: 500,
  claim_while_suspended: 1000,
  inpatient_overlap: 1000,
  overpaid: 250,
  /** of pharmacy purchases */
  pharmacy_no_rx: 100,
  /** of chronic prescriptions */
  overlapping_supply: 40,
  /** of eligible hospitals (≥ 60 visits a month), one month each */
  cost_growth: 8,
  self_pay_spike: 8,
  high_exam_share: 8,
  /** of hospitals with ≥ 3 doctors */
  high_volume_prescriber: 4,
  /** of persons */
  high_fund_use: 200,
  /** of hospitals */
  budget_overrun: 30,
} as const;

/** claim-level kinds whose subject is the institution (the others are the insured person) */
const INSTITUTION_KINDS = new Set(['rx_over_long', 'checkup_bundle', 'non_designated', 'pharmacy_no_rx', 'overpaid']);

const HOSP_VISITS = 0.5;
const PHARM_VISITS = 0.25;

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const yuan = (fen: number) => {
  const neg = fen < 0;
  const a = Math.abs(fen);
  return `${neg ? '-' : ''}${Math.floor(a / 100)}.${pad(a % 100)}`;
};
/** decimal yuan string → fen, exactly */
function fenOf(s: string | undefined): number {
  if (!s) return 0;
  const m = /^(-?)(\d+)(?:\.(\d{1,2}))?/.exec(s.trim());
  if (!m) return 0;
  const v = Number(m[2]) * 100 + Number(((m[3] ?? '') + '00').slice(0, 2));
  return m[1] ? -v : v;
}

interface Line {
  item: Item;
  cnt: number;
  pric: number;
  amount: number;
  lv: '01' | '02' | '03';
  days?: number;
  dr: string | null;
  dept: string | null;
}

interface Visit {
  t: number; // minutes since epoch (local wall clock) for ordering
  time: string;
  inst: Institution;
  lines: Line[];
  flags: {
    designated?: boolean;
    suspended?: boolean;
    inpatient_overlap?: boolean;
    rx_from_designated?: boolean;
    chronic?: boolean;
    noCard?: boolean;
    arrears?: boolean;
    outOfArea?: boolean;
  };
  away?: boolean;
  overpay?: number;
  fakePay?: boolean;
  truth?: { kind: string; group?: string };
  setlId?: string;
}

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

export async function generate(opts: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const engine = opts.engine ?? (await loadEngine());
  const [fy, fm] = (opts.from ?? '2024-01').split('-').map(Number) as [number, number];
  const months: Array<{ y: number; m: number; key: string; start: string }> = [];
  for (let i = 0; i < opts.months; i++) {
    const y = fy + Math.floor((fm - 1 + i) / 12);
    const m = ((fm - 1 + i) % 12) + 1;
    months.push({ y, m, key: `${y}-${pad(m)}`, start: `${y}-${pad(m)}-01` });
  }
  const last = months[months.length - 1];
  if (!last) throw new Error('months must be ≥ 1');
  const from = `${fy}-${pad(fm)}-01`;
  const to = `${last.y}-${pad(last.m)}-${pad(daysIn(last.y, last.m))}`;
  fs.mkdirSync(opts.out, { recursive: true });

  // Regions of persons first (own stream), so that the world can be sized by them.
  const regionCum: number[] = [];
  REGIONS.reduce((acc, r) => (regionCum.push(acc + r.weight), acc + r.weight), 0);
  const regionOf = (rng: Rng) => REGIONS[rng.weighted(regionCum)] ?? (REGIONS[0] as (typeof REGIONS)[number]);
  const regionRng = new Rng(opts.seed ^ 0x51ed);
  const byRegion = new Map<string, number>();
  for (let p = 0; p < opts.persons; p++) {
    const r = regionOf(regionRng);
    byRegion.set(r.code, (byRegion.get(r.code) ?? 0) + 1);
  }
  const rng = new Rng(opts.seed);
  const world: World = buildWorld(rng, byRegion, HOSP_VISITS);
  const truth: Anomaly[] = [];
  const groups = new Map<string, Anomaly>();
  // showcase patterns (opts.showcase): their own stream, a month near the end, each person's rank in its region
  const show = opts.showcase
    ? { rng: new Rng(opts.seed ^ 0x5c0e), month: (months[Math.max(0, months.length - 2)] as { key: string }).key, seen: new Map<string, number>() }
    : null;

  // --- subject-period anomalies chosen up front
  const monthKeysFrom = (r: string) => {
    const spec = REGIONS.find((x) => x.code === r);
    return months.filter((m, i) => i > 0 && (!spec || m.start >= spec.coveredFrom) && months[i - 1] && (months[i - 1] as { start: string }).start >= (spec?.coveredFrom ?? ''));
  };
  const hospitalsAll = world.institutions.filter((i) => i.type === 'hospital' && i.designated);
  const expectedMonthly = (h: Institution) => {
    const reg = world.hospitals.get(h.region);
    const total = reg?.cum[reg.cum.length - 1] ?? 1;
    return ((byRegion.get(h.region) ?? 0) * HOSP_VISITS * h.weight) / total;
  };
  const eligible = hospitalsAll.filter((h) => expectedMonthly(h) >= 60);
  const instMonth = new Map<string, 'cost_growth' | 'self_pay_spike' | 'high_exam_share'>();
  const pickMonth = (h: Institution) => {
    const ms = monthKeysFrom(h.region);
    return ms.length ? (ms[rng.int(0, ms.length - 1)] as { key: string }).key : null;
  };
  // every k-th eligible hospital, at least one per kind; one kind per institution
  const usedInst = new Set<number>();
  const choose = (list: Institution[], every: number, offset: number): Institution[] => {
    const out = list.filter((h, i) => i % every === offset % every && !usedInst.has(h.idx));
    if (!out.length) {
      const h = list.find((x) => !usedInst.has(x.idx));
      if (h) out.push(h);
    }
    out.forEach((h) => usedInst.add(h.idx));
    return out;
  };
  const pool = eligible.length >= 3 ? eligible : hospitalsAll;
  (['cost_growth', 'self_pay_spike', 'high_exam_share'] as const).forEach((kind, k) => {
    for (const h of choose(pool, RATES[kind], k * 7)) {
      const mk = pickMonth(h);
      if (!mk) continue;
      instMonth.set(`${h.idx}:${mk}`, kind);
      truth.push({ kind, subject_type: 'institution', subject_id: h.code, region_code: h.region, period: mk });
    }
  });
  if (show) {
    // every region gets each institution-month kind, at a hospital with ≥ 5 peers (same level, or Shanxi fee class)
    // so that the peer rules can rank it
    const peers = (h: Institution) => hospitalsAll.filter((x) => x.region === h.region && (h.feeClass ? x.feeClass === h.feeClass : x.level === h.level)).length;
    for (const kind of ['cost_growth', 'self_pay_spike', 'high_exam_share'] as const) {
      for (const reg of REGIONS) {
        if (truth.some((a) => a.kind === kind && a.region_code === reg.code)) continue;
        const h = eligible.find((x) => x.region === reg.code && !usedInst.has(x.idx) && peers(x) >= 5);
        const ms = h ? monthKeysFrom(h.region) : [];
        if (!h || !ms.length) continue;
        usedInst.add(h.idx);
        const mk = (ms[show.rng.int(0, ms.length - 1)] as { key: string }).key;
        instMonth.set(`${h.idx}:${mk}`, kind);
        truth.push({ kind, subject_type: 'institution', subject_id: h.code, region_code: h.region, period: mk });
      }
    }
  }
  const prescriberMonth = new Map<string, string>();
  const multiDoc = hospitalsAll.filter((h) => h.doctors.length >= 3);
  for (const h of choose(multiDoc.length ? multiDoc : [...hospitalsAll].sort((a, b) => b.doctors.length - a.doctors.length), RATES.high_volume_prescriber, 3)) {
    const mk = pickMonth(h);
    if (!mk) continue;
    const dr = h.doctors[0] as string;
    prescriberMonth.set(`${h.idx}:${mk}`, dr);
    truth.push({ kind: 'high_volume_prescriber', subject_type: 'doctor', subject_id: dr, region_code: h.region, period: mk });
  }
  const overrun = new Set<number>();
  for (let i = 5; i < hospitalsAll.length; i += RATES.budget_overrun) overrun.add((hospitalsAll[i] as Institution).idx);
  // fund paid per institution per year by persons of its own region (for budgets)
  const fundByInstYear = new Map<string, number>();

  const settlementsOut = new LineWriter(path.join(opts.out, 'settlements.ndjson'));
  const detailsOut = new LineWriter(path.join(opts.out, 'details.ndjson'));
  let setlSeq = 0;
  let detlSeq = 0;
  let hv = 0; // hospital visits so far (injection schedule)
  let pv = 0; // pharmacy visits so far
  let cv = 0; // chronic prescriptions so far
  const personRng = new Rng(opts.seed ^ 0x51ed);
  const consultLine = (r: Rng, inst: Institution, dr: string | null, dept: string | null) =>
    simpleLine(r, { code: 'C0000002', name: '诊察费', type: '02', price: CONSULT_FEE[inst.level] ?? 1000, lv: '01' }, inst, dr, dept);

  const drugLine = (r: Rng, item: Item, days: number, inst: Institution, dr: string | null, dept: string | null, lv?: '03'): Line => {
    const cnt = Math.max(1, Math.round(days / 7)) * (item.chronic ? 1 : r.int(1, 2));
    const pric = Math.round(item.price * inst.priceFactor);
    return { item, cnt, pric, amount: cnt * pric, lv: lv ?? item.lv, days, dr, dept };
  };
  const simpleLine = (r: Rng, item: Item, inst: Institution, dr: string | null, dept: string | null, mult = 1): Line => {
    const pric = Math.round(item.price * inst.priceFactor * mult);
    return { item, cnt: 1, pric, amount: pric, lv: item.lv, dr, dept };
  };

  for (let p = 0; p < opts.persons; p++) {
    const region = regionOf(personRng);
    const r = rng;
    const retired = r.chance(0.3);
    const chronic = r.chance(retired ? 0.35 : 0.08);
    const psnNo = `P${region.code}${pad(p + 1, 8)}`;
    const psnType = retired ? '1201' : '1101';
    const gend = r.chance(0.5) ? '1' : '2';
    const age = retired ? r.int(60, 85) : r.int(22, 59);
    const brdy = `${fy - age}-${pad(r.int(1, 12))}-${pad(r.int(1, 28))}`;
    const highFund = p % RATES.high_fund_use === 77 % RATES.high_fund_use;
    const highFundYear = String(fy);
    const hosp = world.hospitals.get(region.code);
    const pharm = world.pharmacies.get(region.code);
    if (!hosp || !pharm) continue;
    const primary = hosp.list[r.weighted(hosp.cum)] as Institution;
    const myPharmacy = pharm.list[r.weighted(pharm.cum)] as Institution;
    const chronicDrug = chronic ? r.pick(CHRONIC_DRUGS) : null;
    let lastChronicT = -1e12;
    const visits: Visit[] = [];
    // A drug given as an over-long prescription is not prescribed to this person again (its supply still
    // runs for months): otherwise the injected rx_over_long would also be a genuine overlapping supply.
    const longDrugs = new Set<string>();
    const ordinary = (rr: Rng) => {
      const ok = ORDINARY_DRUGS.filter((d) => !longDrugs.has(d.code));
      return rr.pick(ok.length ? ok : ORDINARY_DRUGS);
    };
    let monthDrugs = new Set<string>();
    const nth = show?.seen.get(region.code) ?? 0;
    show?.seen.set(region.code, nth + 1);
    if (highFund) truth.push({ kind: 'high_fund_use', subject_type: 'insured', subject_id: psnNo, region_code: region.code, period: highFundYear });

    for (const mo of months) {
      if (mo.start < region.coveredFrom) continue;
      // winter peak: January highest, July lowest
      const season = 1 + 0.3 * Math.cos((2 * Math.PI * (mo.m - 1)) / 12);
      const boost = highFund && String(mo.y) === highFundYear ? 3 : 1;
      const nh = Math.min(6, r.poisson(HOSP_VISITS * season * (retired ? 1.4 : 0.85) * (chronic ? 1.3 : 1) * boost));
      const np = Math.min(3, r.poisson(PHARM_VISITS * season));
      const dim = daysIn(mo.y, mo.m);
      const used = new Set<number>();
      monthDrugs = new Set<string>();
      const freeDay = () => {
        for (let k = 0; k < 20; k++) {
          const d = r.int(1, dim);
          if (!used.has(d)) {
            used.add(d);
            return d;
          }
        }
        return null;
      };
      const at = (d: number, h: number, mi: number) => ({
        t: Date.UTC(mo.y, mo.m - 1, d, h, mi) / 60000,
        time: `${mo.key}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(r.int(0, 59))}`,
      });
      if (show && mo.key === show.month) {
        const x = show.rng;
        const atX = (d: number) => {
          const h = x.int(8, 16);
          const mi = x.int(0, 59);
          used.add(d);
          return { t: Date.UTC(mo.y, mo.m - 1, d, h, mi) / 60000, time: `${mo.key}-${pad(d)} ${pad(h)}:${pad(mi)}:${pad(x.int(0, 59))}` };
        };
        const hospVisit = (d: number, inst: Institution, dr: string): Visit => {
          const dept = inst.depts.length ? x.pick(inst.depts) : null;
          return { ...atX(d), inst, lines: [consultLine(x, inst, dr, dept), drugLine(x, ordinary(x), x.int(3, 7), inst, dr, dept)], flags: {} };
        };
        // DR-DAY-LOAD: the region's busiest hospital's last doctor sees the first 90 persons on the 12th (limit 80)
        const big = hosp.list[0] as Institution;
        if (nth < 90) visits.push(hospVisit(12, big, big.doctors[big.doctors.length - 1] as string));
        // CO-VISIT: the first two persons at the same hospital on the same four days
        const co = (hosp.list[1] ?? big) as Institution;
        if (nth < 2) for (const d of [3, 8, 17, 24]) visits.push(hospVisit(d, co, x.pick(co.doctors)));
        // CASH-OUT: the third person buys one drug four times at its pharmacy, each over 200 yuan
        if (nth === 2) {
          const dg = ordinary(x);
          for (const d of [4, 11, 18, 25]) {
            const l = drugLine(x, dg, 7, myPharmacy, null, null);
            l.cnt = Math.ceil(25_000 / l.pric);
            l.amount = l.cnt * l.pric;
            visits.push({ ...atX(d), inst: myPharmacy, lines: [l], flags: { rx_from_designated: true } });
          }
        }
      }
      for (let k = 0; k < nh + np; k++) {
        const d = freeDay();
        if (d === null) break;
        const isPharm = k >= nh;
        const when = at(d, isPharm ? r.int(8, 20) : r.int(8, 16), r.int(0, 59));
        if (isPharm) {
          pv++;
          const inst = r.chance(0.8) ? myPharmacy : (pharm.list[r.weighted(pharm.cum)] as Institution);
          const lines: Line[] = [];
          const n = r.int(1, 3);
          for (let j = 0; j < n; j++) {
            const dg = ordinary(r);
            monthDrugs.add(dg.code);
            lines.push(drugLine(r, dg, r.int(3, 7), inst, null, null));
          }
          const v: Visit = { ...when, inst, lines, flags: { rx_from_designated: true } };
          if (pv % RATES.pharmacy_no_rx === 37 % RATES.pharmacy_no_rx) {
            v.flags.rx_from_designated = false;
            v.fakePay = true;
            v.truth = { kind: 'pharmacy_no_rx' };
          }
          visits.push(v);
          continue;
        }
        hv++;
        let inst = r.chance(0.65) ? primary : (hosp.list[r.weighted(hosp.cum)] as Institution);
        const sched = (kind: keyof typeof RATES, offset: number) => hv % RATES[kind] === offset % RATES[kind];
        const kind = sched('rx_over_long', 17)
          ? 'rx_over_long'
          : sched('checkup_bundle', 101)
            ? 'checkup_bundle'
            : sched('split_visit', 251)
              ? 'split_visit'
              : sched('two_places', 503)
                ? 'two_places'
                : sched('non_designated', 353)
                  ? 'non_designated'
                  : sched('claim_while_suspended', 607)
                    ? 'claim_while_suspended'
                    : sched('inpatient_overlap', 809)
                      ? 'inpatient_overlap'
                      : sched('overpaid', 131)
                        ? 'overpaid'
                        : null;
        if (kind === 'non_designated') inst = r.pick(world.nonDesignated.get(region.code) ?? [inst]);
        const im = instMonth.get(`${inst.idx}:${mo.key}`);
        const special = prescriberMonth.get(`${inst.idx}:${mo.key}`);
        const dr = special && r.chance(0.75) ? special : r.pick(inst.doctors);
        const dept = inst.depts.length ? r.pick(inst.depts) : null;
        const mult = im === 'cost_growth' ? 1.9 : 1;
        const lines: Line[] = [];
        const flags: Visit['flags'] = {};
        if (kind === 'checkup_bundle') {
          const n = r.int(4, 6);
          for (let j = 0; j < n; j++) lines.push(simpleLine(r, EXAM_ITEMS[(j * 3 + d) % EXAM_ITEMS.length] as Item, inst, dr, dept));
        } else {
          lines.push(simpleLine(r, { code: 'C0000002', name: '诊察费', type: '02', price: CONSULT_FEE[inst.level] ?? 1000, lv: '01' }, inst, dr, dept, mult));
          const nd = r.int(1, 3);
          for (let j = 0; j < nd; j++) {
            const dg = ordinary(r);
            monthDrugs.add(dg.code);
            const l = drugLine(r, dg, r.int(3, 7), inst, dr, dept);
            l.amount = Math.round(l.amount * mult);
            l.pric = Math.round(l.pric * mult);
            l.amount = l.pric * l.cnt;
            lines.push(l);
          }
          if (chronicDrug && when.t - lastChronicT >= 20 * 1440) {
            lines.push(drugLine(r, chronicDrug, 28, inst, dr, dept));
            flags.chronic = true;
            lastChronicT = when.t;
            cv++;
            if (show && cv % 60 === 13) {
              // RX-DAYS-CHR-WARN: a month or two (over the general 30, within 90); the next one waits for the supply
              const l = lines[lines.length - 1] as Line;
              l.days = show.rng.int(31, 60);
              lastChronicT = when.t + (l.days - 28) * 1440;
            }
          }
          if (r.chance(0.25)) lines.push(simpleLine(r, r.pick(EXAM_ITEMS.filter((e) => e.type === '03')), inst, dr, dept, mult));
          if (r.chance(0.35)) lines.push(simpleLine(r, r.pick(EXAM_ITEMS.filter((e) => e.type === '04')), inst, dr, dept, mult));
          if (r.chance(0.2)) lines.push(simpleLine(r, r.pick(TREAT_ITEMS), inst, dr, dept, mult));
          if (r.chance(0.08)) lines.push({ ...simpleLine(r, SELF_PAY_ITEM, inst, dr, dept), lv: '03' });
          if (highFund && String(mo.y) === highFundYear) {
            lines.push(simpleLine(r, EXAM_ITEMS[3] as Item, inst, dr, dept, 2));
            lines.push(simpleLine(r, TREAT_ITEMS[4] as Item, inst, dr, dept, 3));
          }
          // The spikes replace, they do not add: the visit costs about what it would have, so the
          // injected ratio anomaly does not also show up as cost growth or a high prescriber.
          if (im === 'self_pay_spike') {
            // ordinary drugs dispensed as out-of-catalogue (丙类, full self-pay) products
            for (const l of lines) if (l.item.type === '09' || l.item.type === '10' || l.item.type === '11') if (!l.item.chronic) l.lv = '03';
          }
          if (im === 'high_exam_share') {
            // drugs and treatments swapped for exams/labs of about the same cost
            let budget = 0;
            for (let j = lines.length - 1; j >= 0; j--) {
              const l = lines[j] as Line;
              if (['05', '09', '10', '11'].includes(l.item.type) && !l.item.chronic) {
                budget += l.amount;
                lines.splice(j, 1);
              }
            }
            let spent = 0;
            for (let j = 0; j < 6 && (j === 0 || spent < budget); j++) {
              const e = simpleLine(r, EXAM_ITEMS[(j * 5 + d) % EXAM_ITEMS.length] as Item, inst, dr, dept);
              if (j > 0 && spent + e.amount > budget * 1.15) continue;
              lines.push(e);
              spent += e.amount;
            }
          }
          if (kind === 'rx_over_long') {
            // over the maximum: 14 days ordinary, 90 days chronic (晋市医保发〔2022〕22号 备注3)
            // a drug not given to the person earlier this month (those visits may fall on later days)
            const fresh = ORDINARY_DRUGS.filter((x) => !longDrugs.has(x.code) && !monthDrugs.has(x.code));
            const dg = r.pick(fresh.length ? fresh : ORDINARY_DRUGS);
            longDrugs.add(dg.code);
            const l = drugLine(r, dg, chronic ? r.int(100, 120) : r.int(20, 30), inst, dr, dept);
            lines.push(l);
          }
        }
        const v: Visit = { ...when, inst, lines, flags };
        if (kind === 'non_designated') {
          v.flags.designated = false;
          v.fakePay = true;
        }
        if (kind === 'claim_while_suspended') {
          v.flags.suspended = true;
          v.fakePay = true;
        }
        if (kind === 'inpatient_overlap') {
          v.flags.inpatient_overlap = true;
          v.fakePay = true;
        }
        if (kind === 'overpaid') v.overpay = r.int(500, 6000);
        if (show && !kind && !im) {
          // EXCL-NO-CARD / EXCL-ARREARS / EXCL-OUT-OF-AREA with the fund paid; RX-DAYS-ORD-WARN (8–14 days)
          const s = hv % 700;
          if (s === 211) v.flags.noCard = true;
          else if (s === 421) v.flags.arrears = true;
          else if (s === 631) v.flags.outOfArea = true;
          if (v.flags.noCard || v.flags.arrears || v.flags.outOfArea) v.fakePay = true;
          const ord = lines.find((l) => l.days !== undefined && !l.item.chronic);
          if (!chronic && ord && hv % 400 === 57) ord.days = show.rng.int(8, 14);
        }
        if (kind && kind !== 'split_visit' && kind !== 'two_places') v.truth = { kind };
        visits.push(v);
        if (kind === 'split_visit' || kind === 'two_places') {
          const group = `${kind}:${psnNo}:${hv}`;
          v.truth = { kind, group };
          let other = inst;
          let gap = r.int(60, 180);
          if (kind === 'two_places') {
            const otherRegions = REGIONS.filter((x) => x.code.slice(0, 4) !== region.code.slice(0, 4));
            const orr = r.pick(otherRegions);
            const oh = world.hospitals.get(orr.code);
            other = oh ? (oh.list[r.weighted(oh.cum)] as Institution) : inst;
            gap = r.int(15, 50);
          }
          const h2 = Math.floor((when.t + gap) % 1440 / 60);
          const m2 = Math.floor((when.t + gap) % 60);
          const odr = r.pick(other.doctors);
          const odept = other.depts.length ? r.pick(other.depts) : null;
          const l2: Line[] = [
            simpleLine(r, { code: 'C0000002', name: '诊察费', type: '02', price: CONSULT_FEE[other.level] ?? 1000, lv: '01' }, other, odr, odept),
            drugLine(r, ordinary(r), r.int(3, 7), other, odr, odept),
          ];
          visits.push({ t: when.t + gap, time: `${mo.key}-${pad(d)} ${pad(h2)}:${pad(m2)}:${pad(r.int(0, 59))}`, inst: other, lines: l2, flags: {}, away: kind === 'two_places', truth: { kind, group } });
        }
        // overlapping supply: the same chronic drug again 6–10 days later, 28 days more
        if (flags.chronic && chronicDrug && cv % RATES.overlapping_supply === 7 % RATES.overlapping_supply) {
          const gapDays = r.int(6, 10);
          const d2 = d + gapDays;
          if (d2 <= dim && !used.has(d2)) {
            used.add(d2);
            const other = hosp.list[r.weighted(hosp.cum)] as Institution;
            const odr = r.pick(other.doctors);
            const when2 = at(d2, r.int(8, 16), r.int(0, 59));
            visits.push({
              ...when2,
              inst: other,
              lines: [
                simpleLine(r, { code: 'C0000002', name: '诊察费', type: '02', price: CONSULT_FEE[other.level] ?? 1000, lv: '01' }, other, odr, null),
                drugLine(r, chronicDrug, 28, other, odr, null),
              ],
              flags: { chronic: true },
              truth: { kind: 'overlapping_supply' },
            });
            lastChronicT = when2.t;
          }
        }
      }
    }
    if (!visits.length) continue;
    visits.sort((a, b) => a.t - b.t);

    // --- settle: build CONTRACT visit records and run the engine over the person's year(s)
    const records: VisitRecord[] = visits.map((v) => {
      setlSeq++;
      // the seed in the id: two generated sets never share a settlement id (a reload moves no settlement between regions)
      v.setlId = `S${opts.seed}-${pad(setlSeq, 10)}`;
      let medfee = 0;
      let ownpay = 0;
      let yi = 0;
      for (const l of v.lines) {
        medfee += l.amount;
        if (l.lv === '03') ownpay += l.amount;
        else if (l.lv === '02') yi += l.amount;
      }
      // 乙类先行自付: 5 % (晋医保发〔2024〕11号) / 10 % elsewhere — as the platform settled it
      const preself = Math.round((yi * (region.shanxi ? 5 : 10)) / 100);
      const rec: VisitRecord = {
        setl_id: v.setlId,
        mdtrt_id: `M${pad(setlSeq, 10)}`,
        psn_no: psnNo,
        psn_type: psnType,
        admdvs: region.code,
        setl_time: v.time,
        fixmedins_code: v.inst.code,
        fixmedins_name: v.inst.name,
        fixmedins_type: v.inst.type,
        hosp_lv: String(v.inst.level),
        ...(v.inst.feeClass ? { fee_class: String(v.inst.feeClass) } : {}),
        med_type: v.inst.type === 'pharmacy' ? '41' : '11',
        insutype: '310',
        gend,
        brdy,
        medfee_sumamt: yuan(medfee),
        inscp_scp_amt: yuan(medfee - ownpay),
        fulamt_ownpay_amt: yuan(ownpay),
        preselfpay_amt: yuan(preself),
      };
      if (v.away) rec.fixmedins_admdvs = v.inst.region;
      if (v.flags.designated === false) rec.designated = false;
      if (v.flags.suspended) rec.suspended = true;
      if (v.flags.inpatient_overlap) rec.inpatient_overlap = true;
      if (v.flags.noCard) rec.has_card = false;
      if (v.flags.arrears) rec.in_arrears = true;
      if (v.flags.outOfArea) rec.out_of_area_temporary = true;
      if (v.inst.type === 'pharmacy') rec.rx_from_designated = v.flags.rx_from_designated !== false;
      if (v.flags.chronic || chronic) rec.chronic = chronic;
      return rec;
    });
    const adj = await engine.adjudicate(records);
    for (let i = 0; i < visits.length; i++) {
      const v = visits[i] as Visit;
      const rec = records[i] as VisitRecord;
      const a = adj[i];
      if (!a || a.error) continue; // no policy covers it: not a claim this world can have
      let fund = fenOf(a.fund_pay);
      let dedc = fenOf(a.deductible);
      if (v.fakePay) {
        // the platform paid an excluded claim: half the policy-range amount (the anomaly)
        fund = Math.round(fenOf(String(rec.inscp_scp_amt)) / 2);
        dedc = 0;
      }
      const medfee = fenOf(String(rec.medfee_sumamt));
      if (v.overpay) {
        // overpaid, but never beyond the bill (a fund share above medfee_sumamt is bad input, issue 18); with no room
        // for more than PAY-DIFF's 1 yuan the visit is paid as settled and is no anomaly
        const extra = Math.min(v.overpay, medfee - fund);
        if (extra > 100) fund += extra;
        else v.truth = undefined;
      }
      const rest = Math.max(0, medfee - fund);
      const acct = retired ? 0 : Math.min(rest, Math.round(rest * 0.4));
      rec.act_pay_dedc = yuan(dedc);
      rec.hifp_pay = yuan(fund);
      rec.acct_pay = yuan(acct);
      rec.psn_cash_pay = yuan(rest - acct);
      await settlementsOut.write(`${JSON.stringify(rec)}\n`);
      for (const l of v.lines) {
        detlSeq++;
        const det: Record<string, string | number> = {
          feedetl_sn: `F${opts.seed}-${pad(detlSeq, 11)}`,
          setl_id: v.setlId as string,
          med_chrgitm_type: l.item.type,
          chrgitm_lv: l.lv,
          hilist_code: l.item.code,
          hilist_name: l.item.name,
          cnt: l.cnt,
          pric: yuan(l.pric),
          det_item_fee_sumamt: yuan(l.amount),
        };
        if (l.dr) det.bilg_dr_codg = l.dr;
        if (l.dept) det.bilg_dept_codg = l.dept;
        if (l.days !== undefined) det.medc_days = l.days;
        await detailsOut.write(`${JSON.stringify(det)}\n`);
      }
      if (!v.away) {
        const k = `${v.inst.idx}:${v.time.slice(0, 4)}`;
        fundByInstYear.set(k, (fundByInstYear.get(k) ?? 0) + fund);
      }
      if (v.truth) {
        const period = v.time.slice(0, 10);
        if (v.truth.group) {
          const prev = groups.get(v.truth.group);
          if (prev) prev.setl_ids?.push(v.setlId as string);
          else {
            const a: Anomaly = { kind: v.truth.kind, subject_type: 'insured', subject_id: psnNo, region_code: region.code, period, setl_ids: [v.setlId as string] };
            groups.set(v.truth.group, a);
            truth.push(a);
          }
        } else {
          const byInstitution = INSTITUTION_KINDS.has(v.truth.kind);
          truth.push({
            kind: v.truth.kind,
            subject_type: byInstitution ? 'institution' : 'insured',
            subject_id: byInstitution ? v.inst.code : psnNo,
            region_code: region.code,
            period,
            setl_ids: [v.setlId as string],
          });
        }
      }
    }
  }
  await settlementsOut.end();
  await detailsOut.end();

  // --- master data: institutions with annual budgets (总额预算), doctors
  const years = [...new Set(months.map((m) => String(m.y)))];
  const instOut = new LineWriter(path.join(opts.out, 'institutions.ndjson'));
  const csvOut = new LineWriter(path.join(opts.out, 'institutions.csv'));
  const docOut = new LineWriter(path.join(opts.out, 'doctors.ndjson'));
  await csvOut.write('所属区划,定点医药机构编号,定点医药机构名称,机构类型,医院等级,收费类别,是否定点,总额预算\n');
  let doctors = 0;
  for (const inst of world.institutions) {
    const funds = years.map((y) => fundByInstYear.get(`${inst.idx}:${y}`) ?? 0);
    const maxFund = Math.max(0, ...funds);
    let budget: number;
    if (overrun.has(inst.idx) && maxFund > 0) {
      budget = Math.max(100, Math.floor((funds.find((f) => f > 0) ?? maxFund) * 0.7));
      years.forEach((y, i) => {
        if ((funds[i] ?? 0) >= budget) truth.push({ kind: 'budget_overrun', subject_type: 'institution', subject_id: inst.code, region_code: inst.region, period: y });
      });
    } else {
      // normal budgets sit well above use: 1.5 × the busiest year, rounded up to 10,000 yuan, at least 100,000 yuan
      budget = Math.max(10_000_000, Math.ceil((maxFund * 1.5) / 1_000_000) * 1_000_000);
    }
    const row = {
      region_code: inst.region,
      fixmedins_code: inst.code,
      fixmedins_name: inst.name,
      fixmedins_type: inst.type,
      hosp_lv: String(inst.level),
      ...(inst.feeClass ? { fee_class: String(inst.feeClass) } : {}),
      designated: inst.designated,
      annual_budget: yuan(budget),
    };
    await instOut.write(`${JSON.stringify(row)}\n`);
    await csvOut.write(`${[inst.region, inst.code, inst.name, inst.type, inst.level, inst.feeClass ?? '', inst.designated ? '是' : '否', yuan(budget)].map(csvCell).join(',')}\n`);
    for (const dr of inst.doctors) {
      doctors++;
      await docOut.write(`${JSON.stringify({ region_code: inst.region, dr_codg: dr, dr_name: `医师${dr.slice(-5)}`, fixmedins_code: inst.code, dept_codg: inst.depts[0] ?? null })}\n`);
    }
  }
  await instOut.end();
  await csvOut.end();
  await docOut.end();

  const anomalies = truth.map((a) => {
    if (a.setl_ids) a.setl_ids.sort();
    return a;
  });
  anomalies.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.subject_id < b.subject_id ? -1 : a.subject_id > b.subject_id ? 1 : a.period < b.period ? -1 : a.period > b.period ? 1 : 0));
  fs.writeFileSync(
    path.join(opts.out, 'truth.json'),
    `${JSON.stringify({ seed: opts.seed, persons: opts.persons, months: opts.months, from, to, rates: RATES, anomalies }, null, 1)}\n`,
  );
  return {
    settlements: settlementsOut.lines,
    details: detailsOut.lines,
    persons: opts.persons,
    institutions: world.institutions.length,
    doctors,
    anomalies: anomalies.length,
    from,
    to,
    out: opts.out,
    ms: Math.round(performance.now() - t0),
  };
}
