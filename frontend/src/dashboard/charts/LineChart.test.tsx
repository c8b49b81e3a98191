import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { LineChart } from './LineChart';

function xLabels(chart: HTMLElement): string[] {
  return Array.from(chart.querySelectorAll('.chart__grid > text:not(.chart__axis-label)'), (t) => t.textContent);
}

describe('LineChart', () => {
  it('labels a two-step axis 0 1 2, each step once', () => {
    const series = [{ name: 'Loss', points: [0, 1, 2].map((x) => ({ x, y: 1 - x / 4 })) }];
    render(<LineChart title="Loss" series={series} xLabel="Step" integerX formatX={String} emptyText="" />);
    const chart = screen.getByRole('img', { name: /^Loss\./ });
    expect(xLabels(chart)).toEqual(['0', '1', '2']);
  });

  it('marks a step with a labelled line and names it to screen readers', () => {
    const series = [{ name: 'Loss', points: [1, 2, 3, 4].map((x) => ({ x, y: x })) }];
    render(
      <LineChart
        title="Loss"
        series={series}
        xLabel="Step"
        integerX
        marker={{ x: 2, label: 'model: step 2' }}
        emptyText=""
      />,
    );
    const chart = screen.getByRole('img', { name: /Marked: model: step 2\.$/ });
    expect(chart.querySelector('.chart__marker text')).toHaveTextContent('model: step 2');
  });

  it('writes close y ticks with the decimals that tell them apart', () => {
    const series = [{ name: 'Loss', points: [0.6861, 0.6893, 0.6931].map((y, x) => ({ x, y })) }];
    render(<LineChart title="Loss" series={series} xLabel="Step" formatY={(y) => y.toFixed(2)} emptyText="" />);
    const chart = screen.getByRole('img', { name: /^Loss\./ });
    const labels = Array.from(chart.querySelectorAll('.chart__grid > g > text'), (t) => t.textContent);
    expect(new Set(labels).size).toBe(labels.length);
    expect(labels[0]).toBe('0.686');
  });
});
