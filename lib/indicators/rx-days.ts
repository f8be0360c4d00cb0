/**
 * Visits with drug lines by their longest prescription in days (max_days of ind_visits): the institution profile's
 * chart, counted per institution-month by the rollup and per visit set by a doctor's or person's profile — one
 * definition of the buckets for both.
 */
export const RX_DAYS_BUCKETS = [
  { col: 'rx_days_7', label: '1–7 天', upTo: 7 },
  { col: 'rx_days_14', label: '8–14 天', upTo: 14 },
  { col: 'rx_days_30', label: '15–30 天', upTo: 30 },
  { col: 'rx_days_60', label: '31–60 天', upTo: 60 },
  { col: 'rx_days_90', label: '61–90 天', upTo: 90 },
  { col: 'rx_days_over', label: '90 天以上', upTo: null },
] as const;

/** `count(*) filter (…)::int as rx_days_7, …` over rows with n_drug_lines and max_days (aliases: the rollup's columns) */
export function rxDaysCounts(): string {
  return RX_DAYS_BUCKETS.map((b, i) => {
    const lo = i ? RX_DAYS_BUCKETS[i - 1]?.upTo : null;
    const range = [lo ? `max_days > ${lo}` : '', b.upTo ? `max_days <= ${b.upTo}` : ''].filter(Boolean).join(' and ');
    return `count(*) filter (where n_drug_lines > 0 and max_days is not null${range ? ` and ${range}` : ''})::int as ${b.col}`;
  }).join(', ');
}

export const RX_DAYS_COLS = RX_DAYS_BUCKETS.map((b) => b.col).join(', ');
