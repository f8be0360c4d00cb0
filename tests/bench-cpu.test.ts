import { describe, expect, it } from 'vitest';
import { processCpuMs } from '../lib/bench/cpu';

describe('bench CPU accounting', () => {
  it('reads a process’s CPU time from /proc, and grows with work', () => {
    const before = processCpuMs(process.pid);
    expect(before).not.toBeNull();
    const until = performance.now() + 300;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    expect(x).toBeGreaterThan(0);
    // 300 ms busy; ticks are 10 ms and the counters lag a little
    expect((processCpuMs(process.pid) ?? 0) - (before ?? 0)).toBeGreaterThanOrEqual(200);
  });

  it('reads one thread: the main thread is part of the process', () => {
    const main = processCpuMs(process.pid, process.pid);
    const all = processCpuMs(process.pid);
    expect(main).not.toBeNull();
    expect(main ?? Infinity).toBeLessThanOrEqual(all ?? 0);
  });

  it('says null for a process it cannot read (a server on another machine)', () => {
    expect(processCpuMs(2 ** 30)).toBeNull();
  });
});
