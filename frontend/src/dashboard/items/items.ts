/**
 * The item browser's plain logic: its filters in the URL, completion letters, and a
 * ranking written out as letters ("A > B = C").
 */
import type { CompletionDetail, ItemFilters, ItemStatus } from '../../api/dashboard';

export const STATUS_OPTIONS: readonly { value: ItemStatus; label: string }[] = [
  { value: 'needs_raters', label: 'Needs raters' },
  { value: 'complete', label: 'Complete' },
  { value: 'flagged', label: 'Flagged' },
  { value: 'disputed', label: 'Disputed' },
  { value: 'gold', label: 'Gold' },
];

function isStatus(value: string): value is ItemStatus {
  return STATUS_OPTIONS.some((option) => option.value === value);
}

/** The filters a URL asks for; an unknown status is dropped rather than sent. */
export function filtersFromSearch(params: URLSearchParams): ItemFilters {
  const status = params.get('status') ?? '';
  return {
    q: params.get('q') ?? '',
    model: params.get('model') ?? '',
    status: isStatus(status) ? status : '',
  };
}

/** `/projects/7/items?q=…&model=…&status=…&page=…`, leaving out what is empty. */
export function itemsHref(projectId: number, filters: ItemFilters, page = 1): string {
  const params = new URLSearchParams();
  if (filters.q !== '') params.set('q', filters.q);
  if (filters.model !== '') params.set('model', filters.model);
  if (filters.status !== '') params.set('status', filters.status);
  if (page > 1) params.set('page', String(page));
  const query = params.toString();
  return `/projects/${projectId}/items${query === '' ? '' : `?${query}`}`;
}

/** A, B, C… in the order the completions were imported (as annotators' letters are not). */
export function completionLetters(completions: readonly CompletionDetail[]): Map<number, string> {
  const ordered = [...completions].sort((a, b) => a.position - b.position);
  return new Map(ordered.map((completion, index) => [completion.id, letterFor(index)]));
}

function letterFor(index: number): string {
  return index < 26 ? String.fromCharCode(65 + index) : `#${index + 1}`;
}

/** Tiers of completion ids, best first → "A > B = C > D". */
export function orderText(tiers: readonly (readonly number[])[], letters: ReadonlyMap<number, string>): string {
  return tiers.map((tier) => tier.map((id) => letters.get(id) ?? `#${id}`).join(' = ')).join(' > ');
}
