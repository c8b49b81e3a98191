import { formatMetric, metricKeys, metricLabel } from '../models/metrics';

/** A model's or run's evaluation metrics as label / value pairs. */
export function MetricList({ metrics }: { metrics: Record<string, number | null> }) {
  const keys = metricKeys(metrics);
  if (keys.length === 0) return <p className="muted">No metrics yet.</p>;
  return (
    <dl className="facts">
      {keys.map((key) => (
        <div key={key} className="facts__row">
          <dt>{metricLabel(key)}</dt>
          <dd>{formatMetric(key, metrics[key])}</dd>
        </div>
      ))}
    </dl>
  );
}
