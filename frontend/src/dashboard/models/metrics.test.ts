import { describe, expect, it } from 'vitest';
import { metricKeys, metricLabel } from './metrics';

describe('metricKeys', () => {
  it('lists the known metrics first, then other numbers, and leaves out values that are not numbers', () => {
    const keys = metricKeys({ log_loss: 0.68, on: 'eval', reward_std: 0.01, accuracy: 0.7, zeta: 2 });
    expect(keys).toEqual(['accuracy', 'log_loss', 'reward_std', 'zeta']);
  });

  it('keeps a metric that one of the compared runs could not compute', () => {
    expect(metricKeys({ kendall_tau: null }, { kendall_tau: 0.4 })).toEqual(['kendall_tau']);
  });
});

describe('metricLabel', () => {
  it('names the evaluation counts in words', () => {
    expect(metricLabel('overlapping_pairs')).toBe('Pairs judged by 2+ raters');
    expect(metricLabel('some_new_metric')).toBe('some new metric');
  });
});
