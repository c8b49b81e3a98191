import { formatDecimal, formatPercent } from '../../shared/format';

interface MetricSpec {
  key: string;
  label: string;
  /** Shares are written as percentages. */
  share: boolean;
}

/** The evaluation metrics a model or run reports, in the order they are shown. */
export const METRICS: readonly MetricSpec[] = [
  { key: 'accuracy', label: 'Pairwise accuracy', share: true },
  { key: 'log_loss', label: 'Log loss', share: false },
  { key: 'ece', label: 'Calibration error (ECE)', share: false },
  { key: 'kendall_tau', label: 'Kendall τ', share: false },
  { key: 'top1_accuracy', label: 'Top-1 accuracy', share: true },
  { key: 'human_ceiling', label: 'Human agreement ceiling', share: true },
  { key: 'length_baseline_accuracy', label: 'Length-only baseline', share: true },
  { key: 'reward_length_corr', label: 'Reward–length correlation', share: false },
  { key: 'ties', label: 'Ties', share: false },
  { key: 'mean_margin', label: 'Mean reward margin', share: false },
  { key: 'reward_mean', label: 'Reward mean', share: false },
  { key: 'reward_std', label: 'Reward std', share: false },
  { key: 'pairs', label: 'Pairs evaluated', share: false },
  { key: 'ranking_prompts', label: 'Prompts ranked (τ, top-1)', share: false },
  { key: 'overlapping_pairs', label: 'Pairs judged by 2+ raters', share: false },
];

export function formatMetric(key: string, value: number | null | undefined): string {
  const spec = METRICS.find((m) => m.key === key);
  if (spec?.share) return formatPercent(value);
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return formatDecimal(value);
}

export function metricLabel(key: string): string {
  return METRICS.find((m) => m.key === key)?.label ?? key.replaceAll('_', ' ');
}

/** The known metrics present in `metrics` (in display order), then any other numbers; values
 * that are not numbers (what the metrics were computed on, say) are not metrics. */
export function metricKeys(...all: readonly Record<string, unknown>[]): string[] {
  const present = new Set(
    all.flatMap((metrics) =>
      Object.entries(metrics)
        .filter(([, value]) => typeof value === 'number' || value === null)
        .map(([key]) => key),
    ),
  );
  const known = METRICS.map((m) => m.key).filter((key) => present.has(key));
  const others = [...present].filter((key) => !METRICS.some((m) => m.key === key)).sort();
  return [...known, ...others];
}
