/**
 * The ranking an annotator is building: which rank each completion is in.
 *
 * Ranks are 1..K (1 = best). A completion without a rank is "unranked".
 * Several completions in one rank are a tie, where the project allows ties.
 */

/** Completion id → rank (1-based). Unranked completions are absent. */
export type Placement = ReadonlyMap<number, number>;

export const EMPTY_PLACEMENT: Placement = new Map();

export interface PlaceResult {
  placement: Placement;
  /** Completions sent back to Unranked to make room (ties not allowed). */
  displaced: number[];
}

export function place(
  placement: Placement,
  completionId: number,
  rank: number,
  allowTies: boolean,
): PlaceResult {
  const next = new Map(placement);
  const displaced: number[] = [];
  if (!allowTies) {
    for (const [id, r] of placement) {
      if (r === rank && id !== completionId) {
        next.delete(id);
        displaced.push(id);
      }
    }
  }
  next.set(completionId, rank);
  return { placement: next, displaced };
}

export function unplace(placement: Placement, completionId: number): Placement {
  if (!placement.has(completionId)) return placement;
  const next = new Map(placement);
  next.delete(completionId);
  return next;
}

/** Completions in `rank`, in display order. */
export function inRank(placement: Placement, rank: number, order: readonly number[]): number[] {
  return order.filter((id) => placement.get(id) === rank);
}

export function unranked(placement: Placement, order: readonly number[]): number[] {
  return order.filter((id) => !placement.has(id));
}

export function isComplete(placement: Placement, order: readonly number[]): boolean {
  return order.every((id) => placement.has(id));
}

/**
 * The tiers to submit: best first, empty ranks left out (1, 1, 3 → two tiers),
 * ids inside a tier in display order.
 */
export function tiersOf(placement: Placement, order: readonly number[]): number[][] {
  const ranks = [...new Set(order.map((id) => placement.get(id)))]
    .filter((r): r is number => r !== undefined)
    .sort((a, b) => a - b);
  return ranks.map((rank) => inRank(placement, rank, order));
}

/** Drop ids that are not in `order` and ranks outside 1..maxRank (a stale draft). */
export function placementFor(
  entries: readonly (readonly [number, number])[],
  order: readonly number[],
  maxRank: number,
  allowTies: boolean,
): Placement {
  let placement: Placement = EMPTY_PLACEMENT;
  for (const [id, rank] of entries) {
    if (order.includes(id) && Number.isInteger(rank) && rank >= 1 && rank <= maxRank) {
      placement = place(placement, id, rank, allowTies).placement;
    }
  }
  return placement;
}

/** "A", "B", … "Z", "AA" — how completions are named on screen. */
export function letterFor(index: number): string {
  let n = index;
  let name = '';
  do {
    name = String.fromCharCode(65 + (n % 26)) + name;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return name;
}
