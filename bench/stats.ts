// Medians and ranges over rounds, and how the report prints them.
export interface Spread {
  min: number;
  median: number;
  max: number;
  n: number;
}

export function spread(values: readonly (number | undefined)[]): Spread | undefined {
  const sorted = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  const [min, max] = [sorted[0], sorted.at(-1)];
  if (min === undefined || max === undefined) return undefined;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? (sorted[mid] ?? min) : ((sorted[mid - 1] ?? min) + (sorted[mid] ?? max)) / 2;
  return { min, median, max, n: sorted.length };
}

export const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined ? '–' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export const triple = (s: Partial<Spread> | undefined, digits = 0): string =>
  s?.median === undefined ? '–' : `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
