/**
 * An XLSX is a zip: a few MB can inflate to GBs (a "zip bomb"), and exceljs keeps xl/sharedStrings.xml in memory
 * whole, so a 6 MB upload whose shared strings inflate to 6 GB ran the web server out of heap. Before exceljs sees a
 * file, every part is inflated here once, counting bytes and stopping at the limits (limits.ts): what is measured is
 * what the data really inflates to, not what the zip's directory declares (which a crafted file can understate).
 * The parts must also lie end to end from the first byte to the central directory, so the streaming reader exceljs
 * uses (which reads local headers in order) sees exactly the parts measured here, nothing hidden between them.
 *
 * Why not a worker thread with a heap limit instead: the rows go from the parser into a COPY inside the load's
 * transaction in this process; a worker would have to send every row across threads (the 1M-row bench path shares
 * this reader) and a TypeScript worker does not survive Next's server bundling. One extra inflate of an XLSX (they are
 * small next to the CSV/NDJSON exports a platform hands out) costs little and bounds the memory before it is spent.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import { InputError } from '../errors';
import { limit, LIMITS, sizeText } from './limits';

interface Entry {
  name: string;
  flags: number;
  method: number;
  compressed: number;
  size: number;
  offset: number;
}

const SHARED_STRINGS = 'xl/sharedStrings.xml';

function notXlsx(why: string): InputError {
  return new InputError(`不是有效的 XLSX 文件（${why}），请在 Excel 中另存为 .xlsx 后重新导入 not a valid XLSX`);
}

async function readAt(fh: fs.promises.FileHandle, position: number, length: number): Promise<Buffer> {
  const b = Buffer.alloc(length);
  const { bytesRead } = await fh.read(b, 0, length, position);
  return b.subarray(0, bytesRead);
}

/** The central directory's entries (the zip's table of contents at its end). */
async function centralDirectory(fh: fs.promises.FileHandle, fileSize: number): Promise<{ entries: Entry[]; cdOffset: number }> {
  const tailLen = Math.min(fileSize, 22 + 0xffff);
  const tail = await readAt(fh, fileSize - tailLen, tailLen);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw notXlsx('找不到压缩包目录');
  const count = tail.readUInt16LE(eocd + 10);
  const cdSize = tail.readUInt32LE(eocd + 12);
  const cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) throw notXlsx('ZIP64 格式，文件过大');
  if (cdOffset + cdSize > fileSize || cdSize > 16 << 20) throw notXlsx('压缩包目录损坏');
  const cd = await readAt(fh, cdOffset, cdSize);
  const entries: Entry[] = [];
  let p = 0;
  for (let k = 0; k < count; k++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) throw notXlsx('压缩包目录损坏');
    const nameLen = cd.readUInt16LE(p + 28);
    entries.push({
      flags: cd.readUInt16LE(p + 8),
      method: cd.readUInt16LE(p + 10),
      compressed: cd.readUInt32LE(p + 20),
      size: cd.readUInt32LE(p + 24),
      offset: cd.readUInt32LE(p + 42),
      name: cd.toString('utf8', p + 46, p + 46 + nameLen),
    });
    p += 46 + nameLen + cd.readUInt16LE(p + 30) + cd.readUInt16LE(p + 32);
  }
  return { entries, cdOffset };
}

/** Inflates one part, counting bytes (and shared-string entries); throws as soon as a limit is passed. */
async function measure(file: string, start: number, e: Entry, budget: { left: number }, onChunk?: (b: Buffer) => void): Promise<number> {
  if (e.compressed === 0) {
    // a folder entry (or an empty part): nothing to inflate
    if (e.size !== 0) throw notXlsx(`${e.name} 解压后的大小与目录不符`);
    return 0;
  }
  const raw = fs.createReadStream(file, { start, end: start + e.compressed - 1, highWaterMark: 1 << 16 });
  const out = e.method === 8 ? raw.pipe(zlib.createInflateRaw()) : raw;
  raw.once('error', (err) => out.destroy(err));
  let n = 0;
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      n += chunk.length;
      budget.left -= chunk.length;
      // a part may not inflate to more than the directory says (a crafted file understates it to look small)
      if (n > e.size) throw notXlsx(`${e.name} 解压后大于目录所记录的大小`);
      if (budget.left < 0) throw tooBig(`解压后超过 ${sizeText(limit('xlsxUnzippedBytes'))}（${LIMITS.xlsxUnzippedBytes.env}）`);
      onChunk?.(chunk);
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw notXlsx(`${e.name} 无法解压：${(err as Error).message}`);
  } finally {
    raw.destroy();
    out.destroy();
  }
  if (n !== e.size) throw notXlsx(`${e.name} 解压后的大小与目录不符`);
  return n;
}

function tooBig(why: string): InputError {
  return new InputError(`XLSX 文件${why}，为保护服务器未导入；请拆分文件或改用 CSV 导入 workbook too large when unzipped`);
}

/** Throws an InputError (naming the part and the limit) for a workbook that inflates beyond the limits or is malformed. */
export async function checkXlsx(file: string): Promise<void> {
  const maxTotal = limit('xlsxUnzippedBytes');
  const maxShared = limit('xlsxSharedStringsBytes');
  const maxStrings = limit('xlsxSharedStrings');
  const fileSize = (await fs.promises.stat(file)).size;
  const fh = await fs.promises.open(file, 'r');
  let entries: Entry[];
  const starts = new Map<Entry, number>();
  try {
    const cd = await centralDirectory(fh, fileSize);
    entries = cd.entries.sort((a, b) => a.offset - b.offset);
    if (!entries.length) throw notXlsx('压缩包是空的');
    // ZIP64 sizes (a part of 4 GB or more) are far beyond any limit: refused without reading them
    const huge = entries.find((e) => e.size === 0xffffffff || e.compressed === 0xffffffff);
    if (huge) throw tooBig(`的 ${huge.name} 解压后超过 4 GB`);
    // declared sizes first: a workbook that says it is too big is refused without inflating anything
    const ss = entries.find((e) => e.name === SHARED_STRINGS);
    if (ss && ss.size > maxShared)
      throw tooBig(`的共享字符串表（${SHARED_STRINGS}）解压后为 ${sizeText(ss.size)}，超过 ${sizeText(maxShared)}（${LIMITS.xlsxSharedStringsBytes.env}）`);
    const declared = entries.reduce((t, e) => t + e.size, 0);
    if (declared > maxTotal) throw tooBig(`解压后为 ${sizeText(declared)}，超过 ${sizeText(maxTotal)}（${LIMITS.xlsxUnzippedBytes.env}）`);
    // the parts end to end: each local header where the directory says, the next right after its data
    let expected = [0];
    for (const e of entries) {
      if (!expected.includes(e.offset)) throw notXlsx('压缩包各部分之间有多余数据');
      const h = await readAt(fh, e.offset, 30);
      if (h.length < 30 || h.readUInt32LE(0) !== 0x04034b50) throw notXlsx('压缩包条目损坏');
      if (e.flags & 1) throw notXlsx('文件已加密');
      if (e.method !== 0 && e.method !== 8) throw notXlsx(`不支持的压缩方式 ${e.method}`);
      const start = e.offset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28);
      starts.set(e, start);
      const end = start + e.compressed;
      // a data descriptor may follow (12 bytes, 16 with its signature, 24 in ZIP64 form)
      expected = e.flags & 8 ? [end + 12, end + 16, end + 24] : [end];
    }
    if (!expected.includes(cd.cdOffset)) throw notXlsx('压缩包各部分之间有多余数据');
  } finally {
    await fh.close();
  }
  const budget = { left: maxTotal };
  for (const e of entries) {
    const start = starts.get(e) ?? 0;
    if (e.name !== SHARED_STRINGS) {
      await measure(file, start, e, budget);
      continue;
    }
    // shared strings: bytes and entries counted as they inflate (a "<si" split between two chunks is still seen)
    let strings = 0;
    let tail = '';
    await measure(file, start, e, budget, (chunk) => {
      const t = tail + chunk.toString('latin1');
      for (let i = t.indexOf('<si'); i >= 0; i = t.indexOf('<si', i + 3)) {
        const c = t[i + 3];
        if (c === '>' || c === ' ' || c === '/') strings++;
      }
      tail = t.slice(-3);
      if (strings > maxStrings)
        throw tooBig(`的共享字符串表（${SHARED_STRINGS}）超过 ${maxStrings.toLocaleString('en-US')} 条（${LIMITS.xlsxSharedStrings.env}）`);
    });
  }
}
