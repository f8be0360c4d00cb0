import fs from 'node:fs';
import { once } from 'node:events';

/** Buffered line writer with back-pressure: memory stays flat however many lines are written. */
export class LineWriter {
  private stream: fs.WriteStream;
  private buf: string[] = [];
  private size = 0;
  lines = 0;

  constructor(file: string) {
    this.stream = fs.createWriteStream(file, { highWaterMark: 1 << 20 });
  }

  async write(line: string): Promise<void> {
    this.buf.push(line);
    this.size += line.length;
    this.lines++;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.buf.length) return;
    const chunk = this.buf.join('');
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => this.stream.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}
