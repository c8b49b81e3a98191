import { describe, expect, it } from 'vitest';
import { EMPTY_PLACEMENT, isComplete, letterFor, place, placementFor, tiersOf, unplace } from './ranking';

const order = [30, 10, 40, 20];

describe('ranking', () => {
  it('builds tiers best first, ties in display order, empty ranks skipped', () => {
    let p = place(EMPTY_PLACEMENT, 20, 1, true).placement;
    p = place(p, 30, 3, true).placement;
    p = place(p, 10, 1, true).placement;
    p = place(p, 40, 4, true).placement;
    expect(tiersOf(p, order)).toEqual([[10, 20], [30], [40]]);
    expect(isComplete(p, order)).toBe(true);
  });

  it('sends the previous occupant back to Unranked when ties are not allowed', () => {
    const first = place(EMPTY_PLACEMENT, 30, 1, false).placement;
    const { placement, displaced } = place(first, 10, 1, false);
    expect(displaced).toEqual([30]);
    expect(placement.get(30)).toBeUndefined();
    expect(placement.get(10)).toBe(1);
  });

  it('moves a completion between ranks', () => {
    let p = place(EMPTY_PLACEMENT, 30, 1, false).placement;
    p = place(p, 30, 2, false).placement;
    expect([...p]).toEqual([[30, 2]]);
    expect(unplace(p, 30).size).toBe(0);
  });

  it('is incomplete while any completion is unranked', () => {
    expect(isComplete(place(EMPTY_PLACEMENT, 30, 1, true).placement, order)).toBe(false);
  });

  it('drops unknown ids and out-of-range ranks from a stored draft', () => {
    const p = placementFor([[30, 1], [99, 2], [10, 7], [40, 0], [20, 2]], order, 4, true);
    expect([...p]).toEqual([[30, 1], [20, 2]]);
  });

  it('names completions with letters', () => {
    expect([0, 1, 25, 26, 27].map(letterFor)).toEqual(['A', 'B', 'Z', 'AA', 'AB']);
  });
});
