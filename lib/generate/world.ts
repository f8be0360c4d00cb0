/**
 * The synthetic world: pooling regions covering the five policies, institutions of every level,
 * Shanxi fee class and type with Zipf-like sizes, doctors per institution, and an item catalogue.
 */
import type { Rng } from './prng';

export interface RegionSpec {
  code: string;
  name: string;
  /** share of persons */
  weight: number;
  /** first date a policy covers this region (Shanxi-wide policy from 2024-07-01 for 140800) */
  coveredFrom: string;
  shanxi: boolean;
}

/** 晋城 (shanxi-jincheng-2023 then shanxi-2024), 运城 (shanxi-2024 only), 长沙 (hunan-2023), 南昌 (nanchang-2023), 二连浩特 (erenhot-2022). */
export const REGIONS: RegionSpec[] = [
  { code: '140500', name: '晋城市', weight: 0.32, coveredFrom: '2023-01-01', shanxi: true },
  { code: '140800', name: '运城市', weight: 0.16, coveredFrom: '2024-07-01', shanxi: true },
  { code: '430100', name: '长沙市', weight: 0.22, coveredFrom: '2023-01-01', shanxi: false },
  { code: '360100', name: '南昌市', weight: 0.18, coveredFrom: '2023-01-01', shanxi: false },
  { code: '152501', name: '二连浩特市', weight: 0.12, coveredFrom: '2022-10-01', shanxi: false },
];

export interface Institution {
  idx: number;
  code: string;
  name: string;
  region: string;
  type: 'hospital' | 'pharmacy';
  level: 1 | 2 | 3;
  feeClass: number | null;
  designated: boolean;
  /** relative size within its region and type */
  weight: number;
  /** price multiplier around 1 */
  priceFactor: number;
  doctors: string[];
  depts: string[];
}

export interface Item {
  code: string;
  name: string;
  type: string;
  /** unit price, fen */
  price: number;
  lv: '01' | '02';
  chronic?: boolean;
}

const DRUGS: Array<[string, string, number, '01' | '02', boolean?]> = [
  ['阿莫西林胶囊', '09', 1250, '01'], ['头孢克肟片', '09', 2860, '02'], ['布洛芬缓释胶囊', '09', 1530, '01'], ['复方甘草片', '09', 680, '01'],
  ['奥美拉唑肠溶胶囊', '09', 2240, '01'], ['蒙脱石散', '09', 1870, '01'], ['氯雷他定片', '09', 1960, '02'], ['左氧氟沙星片', '09', 2450, '02'],
  ['连花清瘟胶囊', '11', 2680, '02'], ['板蓝根颗粒', '11', 1150, '01'], ['藿香正气水', '11', 980, '01'], ['感冒灵颗粒', '11', 1320, '01'],
  ['中药饮片（方剂）', '10', 4800, '02'], ['复方丹参滴丸', '11', 3650, '02'], ['双黄连口服液', '11', 2140, '02'],
  ['硝苯地平控释片', '09', 3280, '01', true], ['二甲双胍缓释片', '09', 2150, '01', true], ['阿托伐他汀钙片', '09', 4620, '02', true],
  ['氨氯地平片', '09', 2780, '01', true], ['格列美脲片', '09', 3920, '02', true], ['缬沙坦胶囊', '09', 4150, '02', true],
];
const EXAMS: Array<[string, string, number]> = [
  ['胸部X线摄影', '03', 8500], ['心电图检查', '03', 3000], ['腹部彩超', '03', 16000], ['头颅CT平扫', '03', 22000], ['甲状腺彩超', '03', 12000],
  ['血常规', '04', 2000], ['尿常规', '04', 1500], ['肝功能', '04', 6000], ['肾功能', '04', 4500], ['血脂四项', '04', 4000], ['血糖测定', '04', 800],
];
const TREATS: Array<[string, string, number]> = [
  ['静脉输液', '05', 1200], ['换药', '05', 2500], ['针灸', '05', 3500], ['雾化吸入', '05', 1800], ['推拿', '05', 4000],
];

export const DRUG_ITEMS: Item[] = DRUGS.map(([name, type, price, lv, chronic], i) => ({
  code: `${type === '10' ? 'T' : type === '11' ? 'Z' : 'X'}${String(i + 1).padStart(6, '0')}`,
  name,
  type,
  price,
  lv,
  chronic: chronic ?? false,
}));
export const ORDINARY_DRUGS = DRUG_ITEMS.filter((d) => !d.chronic);
export const CHRONIC_DRUGS = DRUG_ITEMS.filter((d) => d.chronic);
export const EXAM_ITEMS: Item[] = EXAMS.map(([name, type, price], i) => ({ code: `E${type}${String(i + 1).padStart(4, '0')}`, name, type, price, lv: '01' }));
export const TREAT_ITEMS: Item[] = TREATS.map(([name, type, price], i) => ({ code: `T${type}${String(i + 1).padStart(4, '0')}`, name, type, price, lv: '01' }));
export const SELF_PAY_ITEM: Item = { code: 'Z0000099', name: '自费保健品', type: '09', price: 6800, lv: '01' };
/** 诊察费 by level, fen */
export const CONSULT_FEE: Record<number, number> = { 1: 1000, 2: 1500, 3: 2500 };
const DEPTS = ['K01', 'K02', 'K03', 'K04', 'K05'];

export interface World {
  institutions: Institution[];
  /** region → hospitals (designated), cumulative weights */
  hospitals: Map<string, { list: Institution[]; cum: number[] }>;
  pharmacies: Map<string, { list: Institution[]; cum: number[] }>;
  nonDesignated: Map<string, Institution[]>;
}

function cumulative(list: Institution[]): number[] {
  let acc = 0;
  return list.map((i) => (acc += i.weight));
}

/**
 * Institutions per region scale with its persons (about one per 60, at least 16); levels follow the
 * usual pyramid (few 三级, more 二级, many 一级/基层, and retail pharmacies). Sizes are Zipf-like
 * (weight 1/rank^0.9, larger for higher levels). Doctors scale with the expected monthly visits,
 * so that a normal doctor's monthly load is similar everywhere.
 */
export function buildWorld(rng: Rng, personsByRegion: Map<string, number>, visitsPerPersonMonth: number): World {
  const institutions: Institution[] = [];
  const hospitals = new Map<string, { list: Institution[]; cum: number[] }>();
  const pharmacies = new Map<string, { list: Institution[]; cum: number[] }>();
  const nonDesignated = new Map<string, Institution[]>();
  for (const r of REGIONS) {
    const persons = personsByRegion.get(r.code) ?? 0;
    const n = Math.max(16, Math.min(2000, Math.round(persons / 60)));
    const counts = { 3: Math.max(2, Math.round(n * 0.08)), 2: Math.max(3, Math.round(n * 0.2)), 1: Math.max(5, Math.round(n * 0.42)) };
    const nPharm = Math.max(5, Math.round(n * 0.3));
    const nNon = Math.max(1, Math.round(n * 0.02));
    const hs: Institution[] = [];
    const ps: Institution[] = [];
    const non: Institution[] = [];
    let seq = 0;
    const make = (type: 'hospital' | 'pharmacy', level: 1 | 2 | 3, rank: number, designated: boolean): Institution => {
      seq++;
      const code = `${type === 'hospital' ? 'H' : 'Y'}${r.code}${String(seq).padStart(4, '0')}`;
      const levelBoost = type === 'pharmacy' ? 0.5 : level === 3 ? 6 : level === 2 ? 2.5 : 1;
      // Shanxi 收费类别: mostly follows the level (三级 → 一类), with a few exceptions
      const feeClass = r.shanxi ? (type === 'pharmacy' ? 3 : rng.chance(0.85) ? 4 - level : rng.int(1, 3)) : null;
      const inst: Institution = {
        idx: institutions.length,
        code,
        name: `${r.name}${type === 'pharmacy' ? `第${seq}大药房` : level === 3 ? `第${seq}人民医院` : level === 2 ? `第${seq}医院` : `第${seq}社区卫生服务中心`}`,
        region: r.code,
        type,
        level,
        feeClass,
        designated,
        weight: levelBoost / Math.pow(rank, 0.9),
        priceFactor: 0.92 + rng.next() * 0.16,
        doctors: [],
        depts: type === 'hospital' ? DEPTS.slice(0, level === 1 ? 2 : level === 2 ? 4 : 5) : [],
      };
      institutions.push(inst);
      return inst;
    };
    for (const level of [3, 2, 1] as const) for (let k = 1; k <= counts[level]; k++) hs.push(make('hospital', level, k, true));
    for (let k = 1; k <= nPharm; k++) ps.push(make('pharmacy', 1, k, true));
    for (let k = 1; k <= nNon; k++) non.push(make('hospital', 1, k + 3, false));
    // doctors ∝ expected monthly visits (about 60 per doctor per month)
    const hospCum = cumulative(hs);
    const total = hospCum[hospCum.length - 1] ?? 1;
    for (const h of [...hs, ...non]) {
      const expected = (persons * visitsPerPersonMonth * h.weight) / total;
      const nd = h.designated ? Math.max(1, Math.min(200, Math.round(expected / 60))) : 1;
      for (let d = 1; d <= nd; d++) h.doctors.push(`D${h.code.slice(1)}${String(d).padStart(3, '0')}`);
    }
    hospitals.set(r.code, { list: hs, cum: hospCum });
    pharmacies.set(r.code, { list: ps, cum: cumulative(ps) });
    nonDesignated.set(r.code, non);
  }
  return { institutions, hospitals, pharmacies, nonDesignated };
}
