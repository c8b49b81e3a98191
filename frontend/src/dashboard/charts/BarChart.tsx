import { linearScale, niceTicks, spreadIndexes } from './chartScale';

export interface Bar {
  label: string;
  value: number;
}

interface BarChartProps {
  title: string;
  bars: readonly Bar[];
  /** What a bar counts, for the tooltips and the description ("rankings"). */
  unit: string;
  emptyText: string;
}

const WIDTH = 640;
const HEIGHT = 200;
const MARGIN = { top: 12, right: 12, bottom: 28, left: 44 };
const LABELS = 6;

/** Counts per category (rankings per day), drawn as SVG bars. */
export function BarChart({ title, bars, unit, emptyText }: BarChartProps) {
  if (bars.length === 0) {
    return (
      <figure className="chart">
        <figcaption className="chart__title">{title}</figcaption>
        <p className="chart__empty">{emptyText}</p>
      </figure>
    );
  }
  const ticks = niceTicks(0, Math.max(...bars.map((b) => b.value), 1));
  const y = linearScale([0, ticks.at(-1) ?? 1], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const slot = (WIDTH - MARGIN.left - MARGIN.right) / bars.length;
  const barWidth = Math.max(1, slot * 0.7);
  const labelled = new Set(spreadIndexes(bars.length, LABELS));
  const total = bars.reduce((sum, bar) => sum + bar.value, 0);
  const peak = bars.reduce((best, bar) => (bar.value > best.value ? bar : best));
  const description = `${title}. ${total} ${unit} over ${bars.length} ${bars.length === 1 ? 'day' : 'days'}; most on ${peak.label} (${peak.value}).`;

  return (
    <figure className="chart">
      <figcaption className="chart__title">{title}</figcaption>
      <svg className="chart__svg" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={description}>
        <g className="chart__grid" aria-hidden="true">
          {ticks.map((tick) => (
            <g key={tick}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
              <text x={MARGIN.left - 8} y={y(tick)} textAnchor="end" dominantBaseline="middle">
                {tick}
              </text>
            </g>
          ))}
        </g>
        {bars.map((bar, index) => {
          const left = MARGIN.left + index * slot + (slot - barWidth) / 2;
          return (
            <g key={bar.label}>
              <rect
                className="chart__bar"
                x={left}
                y={y(bar.value)}
                width={barWidth}
                height={Math.max(0, y(0) - y(bar.value))}
              >
                <title>{`${bar.label}: ${bar.value} ${unit}`}</title>
              </rect>
              {labelled.has(index) && (
                <text
                  className="chart__grid-text"
                  x={left + barWidth / 2}
                  y={HEIGHT - MARGIN.bottom + 16}
                  textAnchor="middle"
                  aria-hidden="true"
                >
                  {bar.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
