import { integerTicks, linearScale, niceTicks } from './chartScale';

export interface ChartPoint {
  x: number;
  /** null leaves a gap in the line. */
  y: number | null;
}

export interface ChartSeries {
  name: string;
  points: readonly ChartPoint[];
}

/** A labelled x position drawn across the chart (the step whose weights a model kept). */
export interface ChartMarker {
  x: number;
  label: string;
}

interface LineChartProps {
  title: string;
  series: readonly ChartSeries[];
  xLabel: string;
  /** Fixed y range (e.g. 0–1 for shares); otherwise fitted to the data. */
  yDomain?: readonly [number, number];
  /** Where the x labels go; round ticks over the data when left out. */
  xTicks?: readonly number[];
  /** x counts whole things (steps): its ticks are whole numbers. */
  integerX?: boolean;
  marker?: ChartMarker | null;
  formatX?: (x: number) => string;
  formatY?: (y: number) => string;
  emptyText: string;
}

const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 16, bottom: 34, left: 52 };
/** Dots mark the points while there are few enough to tell apart. */
const MAX_DOTS = 60;

const plain = (value: number) => String(value);

/**
 * The y axis's labels: `format`'s, unless it writes two ticks alike (losses that differ in
 * the third decimal all read "0.69"); then as many decimals as the tick spacing needs.
 */
function yLabels(ticks: readonly number[], format: (y: number) => string): string[] {
  const labels = ticks.map(format);
  if (new Set(labels).size === labels.length || ticks.length < 2) return labels;
  const step = Math.abs((ticks[1] ?? 0) - (ticks[0] ?? 0));
  const decimals = Math.min(10, Math.max(0, Math.ceil(-Math.log10(step))));
  return ticks.map((tick) => tick.toFixed(decimals));
}

/** Runs of consecutive non-null points: each is drawn as one line. */
function segments(points: readonly ChartPoint[]): { x: number; y: number }[][] {
  const runs: { x: number; y: number }[][] = [];
  let run: { x: number; y: number }[] = [];
  for (const point of points) {
    if (point.y === null || !Number.isFinite(point.y)) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else {
      run.push({ x: point.x, y: point.y });
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

function describe(
  title: string,
  series: readonly ChartSeries[],
  formatY: (y: number) => string,
  marker: ChartMarker | null,
): string {
  const parts = series.map((s) => {
    const values = s.points.filter((p) => p.y !== null);
    const last = values.at(-1)?.y;
    const points = values.length === 1 ? '1 point' : `${values.length} points`;
    return last === undefined || last === null ? `${s.name}: no data` : `${s.name}: ${points}, latest ${formatY(last)}`;
  });
  return `${title}. ${parts.join('; ')}.${marker ? ` Marked: ${marker.label}.` : ''}`;
}

/** One or more series against a shared x axis (steps, days), drawn as SVG. */
export function LineChart({
  title,
  series,
  xLabel,
  yDomain,
  xTicks,
  integerX = false,
  marker = null,
  formatX = plain,
  formatY = plain,
  emptyText,
}: LineChartProps) {
  const all = series.flatMap((s) => s.points);
  const defined = all.filter((p) => p.y !== null && Number.isFinite(p.y));
  const ys = defined.map((p) => p.y ?? 0);
  const xs = all.map((p) => p.x);

  if (defined.length === 0) {
    return (
      <figure className="chart">
        <figcaption className="chart__title">{title}</figcaption>
        <p className="chart__empty">{emptyText}</p>
      </figure>
    );
  }

  const yTicks = yDomain ? niceTicks(yDomain[0], yDomain[1]) : niceTicks(Math.min(...ys), Math.max(...ys));
  const yMin = yTicks[0] ?? 0;
  const yMax = yTicks.at(-1) ?? 1;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const x = linearScale([xMin, xMax], [MARGIN.left, WIDTH - MARGIN.right]);
  const y = linearScale([yMin, yMax], [HEIGHT - MARGIN.bottom, MARGIN.top]);
  const ticks = xTicks ?? (integerX ? integerTicks(xMin, xMax, 5) : niceTicks(xMin, xMax, 5));
  const xLabels = ticks.filter((t) => t >= xMin && t <= xMax);
  const shownMarker = marker && marker.x >= xMin && marker.x <= xMax ? marker : null;
  const yTickLabels = yLabels(yTicks, formatY);

  return (
    <figure className="chart">
      <figcaption className="chart__title">{title}</figcaption>
      <svg
        className="chart__svg"
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="img"
        aria-label={describe(title, series, formatY, shownMarker)}
      >
        <g className="chart__grid" aria-hidden="true">
          {yTicks.map((tick, index) => (
            <g key={tick}>
              <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} />
              <text x={MARGIN.left - 8} y={y(tick)} textAnchor="end" dominantBaseline="middle">
                {yTickLabels[index]}
              </text>
            </g>
          ))}
          {xLabels.map((tick) => (
            <text key={tick} x={x(tick)} y={HEIGHT - MARGIN.bottom + 16} textAnchor="middle">
              {formatX(tick)}
            </text>
          ))}
          <text className="chart__axis-label" x={WIDTH - MARGIN.right} y={HEIGHT - 2} textAnchor="end">
            {xLabel}
          </text>
        </g>
        {shownMarker && (
          <g className="chart__marker">
            <line x1={x(shownMarker.x)} x2={x(shownMarker.x)} y1={MARGIN.top} y2={HEIGHT - MARGIN.bottom} />
            <text x={x(shownMarker.x) + 4} y={MARGIN.top + 10}>
              {shownMarker.label}
            </text>
          </g>
        )}
        {series.map((s, index) => (
          <g key={s.name} className={`chart__series chart__series--${index % 6}`}>
            {segments(s.points).map((run) =>
              run.length === 1 ? (
                <circle key={run[0]?.x} className="chart__dot" cx={x(run[0]?.x ?? 0)} cy={y(run[0]?.y ?? 0)} r={3} />
              ) : (
                <polyline
                  key={run[0]?.x}
                  className="chart__line"
                  points={run.map((p) => `${x(p.x).toFixed(1)},${y(p.y).toFixed(1)}`).join(' ')}
                />
              ),
            )}
            {defined.length <= MAX_DOTS &&
              s.points.map((p) =>
                p.y === null ? null : (
                  <circle key={p.x} className="chart__dot" cx={x(p.x)} cy={y(p.y)} r={2.5}>
                    <title>{`${s.name}, ${formatX(p.x)}: ${formatY(p.y)}`}</title>
                  </circle>
                ),
              )}
          </g>
        ))}
      </svg>
      {series.length > 1 && (
        <ul className="chart__legend">
          {series.map((s, index) => (
            <li key={s.name}>
              <span className={`chart__swatch chart__series--${index % 6}`} aria-hidden="true" />
              {s.name}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}
