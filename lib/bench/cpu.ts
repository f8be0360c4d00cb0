/**
 * CPU time of the work the bench times, so that a ratio can be read against what two cores allow: Node's own
 * (process.cpuUsage) and the Postgres backends' (/proc/<pid>/stat, readable when the server runs on this machine, as
 * the embedded one does; null otherwise).
 */
import fs from 'node:fs';
import type pg from 'pg';

const TICK_MS = 10; // USER_HZ = 100 on Linux

/**
 * user + system CPU in ms of a process (all its threads), or with `tid` of one of its threads (a process's main thread
 * has tid = pid); null when it cannot be read (another machine, not Linux)
 */
export function processCpuMs(pid: number, tid?: number): number | null {
  try {
    const stat = fs.readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = (stat.split(') ')[1] ?? '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

/** Starts a CPU meter on a process (or one of its threads): the function returns the ms used since, or null as above. */
export function cpuMeter(pid: number, tid?: number): () => number | null {
  const from = processCpuMs(pid, tid);
  return () => {
    const to = processCpuMs(pid, tid);
    return from !== null && to !== null ? to - from : null;
  };
}

/**
 * Watches the backends that run a COPY on this database while some work runs (polled every 200 ms; a backend is counted
 * from when it is first seen, so up to 200 ms of its work may be missed) and sums their CPU when stopped.
 */
export class CopyBackendCpu {
  private seen = new Map<number, () => number | null>();
  private timer: NodeJS.Timeout;
  private readable = true;

  private constructor(private client: pg.PoolClient) {
    this.timer = setInterval(() => void this.poll(), 200);
  }

  static async start(pool: pg.Pool): Promise<CopyBackendCpu> {
    return new CopyBackendCpu(await pool.connect());
  }

  private async poll() {
    const r = await this.client
      .query<{ pid: number }>("select pid from pg_stat_activity where datname = current_database() and state = 'active' and query ilike 'copy %'")
      .catch(() => ({ rows: [] as Array<{ pid: number }> }));
    for (const { pid } of r.rows) {
      if (this.seen.has(pid)) continue;
      if (processCpuMs(pid) === null) this.readable = false;
      else this.seen.set(pid, cpuMeter(pid));
    }
  }

  /** the CPU ms the COPY backends used since first seen, or null when the server's processes cannot be read */
  stop(): number | null {
    clearInterval(this.timer);
    this.client.release();
    if (!this.readable || !this.seen.size) return null;
    let ms = 0;
    // a backend gone since (its connection closed) adds nothing
    for (const used of this.seen.values()) ms += used() ?? 0;
    return ms;
  }
}
