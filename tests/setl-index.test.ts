import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyValue } from '../lib/ingest/copy';
import { SettlementIndex } from '../lib/ingest/setl-index';

describe('the settlements index of a batch', () => {
  it('gives back what was added, as COPY text, and nothing for an id seen twice, forgotten or poisoned', () => {
    const ix = new SettlementIndex(1 << 22);
    ix.add('S1', '140500', '2024-08-01 09:00:00+08', 'P\\1', 'H\t1');
    ix.add('S2', '430100', '2024-08-02 09:00:00+08', 'P2', 'H2');
    ix.add('S3', '140500', '2024-08-03 09:00:00+08', 'P3', 'H1');
    expect(ix.get('S1')).toEqual({ admdvs: '140500', rest: '2024-08-01 09:00:00+08\tP\\\\1\tH\\t1', fixmedinsCode: 'H\t1' });
    expect(ix.get('S2')).toEqual({ admdvs: '430100', rest: '2024-08-02 09:00:00+08\tP2\tH2', fixmedinsCode: 'H2' });
    expect(ix.get('S9')).toBeNull();
    ix.add('S2', '430100', '2024-09-02 09:00:00+08', 'P2', 'H2');
    ix.forget(['S3']);
    ix.poison('S4');
    ix.add('S4', '140500', '2024-08-04 09:00:00+08', 'P4', 'H4');
    expect([ix.get('S2'), ix.get('S3'), ix.get('S4')]).toEqual([null, null, null]);
    // a time in another spelling than the platform's is kept as written
    ix.add('S7', '140500', '2024-08-07 01:00:00.5Z', 'P7', 'H7');
    ix.add('S8', '140500', '1899-12-31 23:59:59+08', 'P8', 'H8');
    expect([ix.get('S7')?.rest, ix.get('S8')?.rest]).toEqual(['2024-08-07 01:00:00.5Z\tP7\tH7', '1899-12-31 23:59:59+08\tP8\tH8']);
    // outside printable ASCII: left to the lookup
    ix.add('结算5', '140500', '2024-08-05 09:00:00+08', 'P5', 'H5');
    ix.add('S6', '140500', '2024-08-06 09:00:00+08', '人员6', 'H6');
    expect([ix.get('结算5'), ix.get('S6')]).toEqual([null, null]);
  });

  it('stays within its memory budget: past it no settlement is added, those added stay found', () => {
    const budget = 3 << 20;
    const ix = new SettlementIndex(budget);
    for (let i = 0; i < 200_000; i++) ix.add(`S${i}`, '140500', '2024-08-01 09:00:00+08', `P${i % 1000}`, `H${i % 50}`);
    expect(ix.allocated).toBeLessThanOrEqual(budget);
    expect(ix.size).toBeGreaterThan(10_000);
    expect(ix.size).toBeLessThan(200_000);
    expect(ix.get('S0')?.rest).toBe('2024-08-01 09:00:00+08\tP0\tH0');
    expect(ix.get(`S${ix.size - 1}`)?.fixmedinsCode).toBe(`H${(ix.size - 1) % 50}`);
    expect(ix.get(`S${ix.size}`)).toBeNull();
    expect(ix.get('S199999')).toBeNull();
    // an empty time (no settlement row has one) is not kept: it could not be told from a packed time
    const small = new SettlementIndex(1 << 22);
    small.add('E1', '140500', '', 'P1', 'H1');
    expect(small.get('E1')).toBeNull();
  });

  it('gives back every time and person exactly as written, or nothing (property: packed times, near misses, any text)', () => {
    const two = fc.integer({ min: 0, max: 99 }).map((n) => String(n).padStart(2, '0'));
    const platform = fc
      .tuple(fc.integer({ min: 1850, max: 2200 }), two, two, two, two, two)
      .map(([y, mo, d, h, mi, s]) => `${y}-${mo}-${d} ${h}:${mi}:${s}+08`);
    // the platform's spelling with one character replaced, cut short or lengthened
    const nearMiss = fc.tuple(platform, fc.nat(23), fc.string({ maxLength: 2 }), fc.boolean()).map(([t, at, c, cut]) => (cut ? t.slice(0, at) : t.slice(0, at) + c + t.slice(at + 1)));
    const time = fc.oneof(platform, nearMiss, fc.string({ maxLength: 30 }));
    const person = fc.oneof(fc.string({ maxLength: 20 }), fc.stringMatching(/^[P\\\t 0-9]{0,12}$/));
    const printable = (s: string) => /^[\x20-\x7e]*$/.test(s);
    fc.assert(
      fc.property(time, person, (t, psn) => {
        const ix = new SettlementIndex(1 << 22);
        ix.add('S1', '140500', t, psn, 'H1');
        const kept = t !== '' && printable(t) && printable(psn);
        expect(ix.get('S1')).toEqual(kept ? { admdvs: '140500', rest: `${t}\t${copyValue(psn)}\tH1`, fixmedinsCode: 'H1' } : null);
      }),
      { numRuns: 20_000 },
    );
  });

  it('a settlement left out (not printable ASCII) takes none of the 255 region slots', () => {
    const ix = new SettlementIndex(1 << 22);
    for (let r = 0; r < 255; r++) ix.add(`N${r}`, String(100000 + r), '2024-08-01 09:00:00+08', '张三', 'H1');
    ix.add('OK1', '999999', '2024-08-01 09:00:00+08', 'P1', 'H1');
    expect(ix.get('N0')).toBeNull();
    expect(ix.get('OK1')).toEqual({ admdvs: '999999', rest: '2024-08-01 09:00:00+08\tP1\tH1', fixmedinsCode: 'H1' });
    // 255 regions kept: a 256th is left to the lookup, the others stay found
    for (let r = 0; r < 254; r++) ix.add(`R${r}`, String(200000 + r), '2024-08-01 09:00:00+08', 'P1', 'H1');
    ix.add('R-last', '300000', '2024-08-01 09:00:00+08', 'P1', 'H1');
    expect([ix.get('R0')?.admdvs, ix.get('R253')?.admdvs, ix.get('R-last')]).toEqual(['200000', '200253', null]);
  });
});
