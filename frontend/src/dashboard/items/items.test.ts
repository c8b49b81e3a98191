import { describe, expect, it } from 'vitest';
import { completionLetters, filtersFromSearch, itemsHref, orderText } from './items';

describe('item browser URLs', () => {
  it('reads the filters of a URL and drops an unknown status', () => {
    const params = new URLSearchParams('q=tcp&model=gpt-x&status=done');
    expect(filtersFromSearch(params)).toEqual({ q: 'tcp', model: 'gpt-x', status: '' });
  });

  it('writes only the filters that are set, and the page after the first', () => {
    expect(itemsHref(7, { q: '', model: '', status: '' })).toBe('/projects/7/items');
    expect(itemsHref(7, { q: 'slow start', model: '', status: 'gold' }, 2)).toBe(
      '/projects/7/items?q=slow+start&status=gold&page=2',
    );
  });
});

describe('rankings as letters', () => {
  const completions = [
    { id: 30, position: 2, text: '', model_name: '' },
    { id: 10, position: 0, text: '', model_name: '' },
    { id: 20, position: 1, text: '', model_name: '' },
  ];

  it('letters the completions in their imported order', () => {
    expect([...completionLetters(completions)]).toEqual([
      [10, 'A'],
      [20, 'B'],
      [30, 'C'],
    ]);
  });

  it('writes ties with "=" and tiers with ">"', () => {
    expect(orderText([[20], [10, 30]], completionLetters(completions))).toBe('B > A = C');
  });
});
