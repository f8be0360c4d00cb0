/** SQL text helpers for column lists written once as a string ('a, b, c'). */

/** 'a, b' with alias 'f' → 'f.a, f.b' */
export const qualify = (list: string, alias: string): string =>
  list
    .split(',')
    .map((c) => `${alias}.${c.trim()}`)
    .join(', ');
