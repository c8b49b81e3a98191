/** Reading a dataset version's free-form JSON fields (counts, rule, split). */

export interface SplitCounts {
  pairs: number;
  prompts: number;
}

export interface VersionCounts {
  pairs: number;
  prompts: number;
  rankings: number;
  splits: { name: string; counts: SplitCounts }[];
}

export const SPLIT_NAMES = ['train', 'validation', 'test'] as const;

export function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

/** The counts of a built version, or null while it has none (building, failed). */
export function versionCounts(counts: unknown): VersionCounts | null {
  const record = asRecord(counts);
  if (!record || !('pairs' in record)) return null;
  const splits = asRecord(record.splits) ?? {};
  return {
    pairs: count(record.pairs),
    prompts: count(record.prompts),
    rankings: count(record.rankings),
    splits: SPLIT_NAMES.map((name) => {
      const split = asRecord(splits[name]) ?? {};
      return { name, counts: { pairs: count(split.pairs), prompts: count(split.prompts) } };
    }),
  };
}

/** A JSON value as short text for a facts list. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'none';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value === '' ? '(empty)' : value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

/** `{"train": 0.8, …}` → "train 80% · validation 10% · test 10%". */
export function describeSplit(split: unknown): string {
  const record = asRecord(split);
  if (!record) return describeValue(split);
  return Object.entries(record)
    .map(([name, share]) => `${name} ${typeof share === 'number' ? `${Math.round(share * 100)}%` : describeValue(share)}`)
    .join(' · ');
}
