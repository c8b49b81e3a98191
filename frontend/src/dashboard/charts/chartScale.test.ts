import { describe, expect, it } from 'vitest';
import { integerTicks, linearScale, niceStep, niceTicks, spreadIndexes } from './chartScale';

describe('chart scales', () => {
  it('picks round steps', () => {
    expect(niceStep(1, 4)).toBe(0.25);
    expect(niceStep(37, 4)).toBe(10);
    expect(niceStep(0.9, 4)).toBe(0.25);
  });

  it('covers the data with round ticks', () => {
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(0.31, 0.69, 4)).toEqual([0.3, 0.4, 0.5, 0.6, 0.7]);
    expect(niceTicks(0, 37)).toEqual([0, 10, 20, 30, 40]);
  });

  it('widens a single value into a range', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThan(5);
    expect(ticks.at(-1)).toBeGreaterThan(5);
    expect(niceTicks(0, 0)).toContain(0);
  });

  it('puts whole-number ticks on a short step axis, each once', () => {
    expect(integerTicks(0, 2)).toEqual([0, 1, 2]);
    expect(integerTicks(1, 2)).toEqual([1, 2]);
    expect(integerTicks(3, 3)).toEqual([3]);
    expect(integerTicks(0, 7)).toEqual([0, 2, 4, 6]);
  });

  it('spaces whole-number ticks 1, 2 or 5 × 10ⁿ apart on a long axis', () => {
    expect(integerTicks(0, 100)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(integerTicks(1, 1234)).toEqual([500, 1000]);
    expect(integerTicks(5, 48)).toEqual([10, 20, 30, 40]);
    expect(integerTicks(0.5, 0.9)).toEqual([]);
  });

  it('maps a domain onto a range, flipped or not', () => {
    const y = linearScale([0, 10], [100, 0]);
    expect(y(0)).toBe(100);
    expect(y(5)).toBe(50);
    expect(linearScale([3, 3], [0, 10])(3)).toBe(5);
  });

  it('spreads label positions, keeping both ends', () => {
    expect(spreadIndexes(3, 5)).toEqual([0, 1, 2]);
    expect(spreadIndexes(30, 4)).toEqual([0, 10, 19, 29]);
    expect(spreadIndexes(0, 4)).toEqual([]);
  });
});
