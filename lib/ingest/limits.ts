/**
 * What one file may make the process hold: a file beyond these is refused with a message naming it (and its row),
 * never read into memory. Each can be changed through the environment (README, 导入限制); a bad value stops the
 * ingest with the variable's name.
 */
import { InputError } from '../errors';

const MiB = 1024 * 1024;

interface Limit {
  env: string;
  fallback: number;
}

export const LIMITS = {
  /** one CSV record or NDJSON line (bytes); a line is held whole while it is parsed */
  lineBytes: { env: 'OFM_INGEST_MAX_LINE_BYTES', fallback: 4 * MiB },
  /** everything an XLSX expands to, all its parts together (bytes, as inflated, not as the zip declares) */
  xlsxUnzippedBytes: { env: 'OFM_XLSX_MAX_UNZIPPED_BYTES', fallback: 1024 * MiB },
  /** xl/sharedStrings.xml inflated (bytes): the one part held in memory whole while the sheet is read */
  xlsxSharedStringsBytes: { env: 'OFM_XLSX_MAX_SHARED_STRINGS_BYTES', fallback: 128 * MiB },
  /** entries (<si>) of the shared strings table */
  xlsxSharedStrings: { env: 'OFM_XLSX_MAX_SHARED_STRINGS', fallback: 5_000_000 },
  /** cells of one sheet row (Excel's own maximum is 16,384 columns) */
  xlsxRowCells: { env: 'OFM_XLSX_MAX_ROW_CELLS', fallback: 1000 },
  /** one uploaded file through the web (bytes); the CLI reads a file of any size */
  uploadBytes: { env: 'OFM_UPLOAD_MAX_BYTES', fallback: 4096 * MiB },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof LIMITS;

/** The limit in force: the environment's value when set (a positive integer), else the default. */
export function limit(name: LimitName): number {
  const l: Limit = LIMITS[name];
  const raw = process.env[l.env];
  if (raw === undefined || raw.trim() === '') return l.fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InputError(`环境变量 ${l.env} 应为正整数 must be a positive integer: "${raw}"`, { field: l.env });
  return n;
}

/** bytes as a person reads them (1.5 MB, 128 MB, 1 GB) */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * MiB) return `${+(bytes / (1024 * MiB)).toFixed(2)} GB`;
  if (bytes >= MiB) return `${+(bytes / MiB).toFixed(1)} MB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} 字节`;
}
