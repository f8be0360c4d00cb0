/**
 * Personal identifiers are masked by default in pages, exports and mail; revealing is audited.
 * Keep the first and last characters so an inspector can still tell records apart.
 */
export function maskId(value: string | null | undefined, keepStart = 3, keepEnd = 2): string {
  if (!value) return '';
  if (value.length <= keepStart + keepEnd) return `${value.slice(0, 1)}${'*'.repeat(Math.max(value.length - 1, 1))}`;
  return `${value.slice(0, keepStart)}${'*'.repeat(value.length - keepStart - keepEnd)}${value.slice(-keepEnd)}`;
}

/** 张三丰 → 张** ; 李四 → 李* */
export function maskName(value: string | null | undefined): string {
  if (!value) return '';
  const chars = Array.from(value);
  return `${chars[0] ?? ''}${'*'.repeat(Math.max(chars.length - 1, 1))}`;
}

/** 18-digit 身份证号 → first 6 and last 4 kept. */
export function maskCertno(value: string | null | undefined): string {
  return maskId(value, 6, 4);
}
