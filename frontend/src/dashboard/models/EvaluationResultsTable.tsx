import type { EvaluationDifference, EvaluationMetrics, EvaluationVersionResult } from '../../api/evaluation';
import { formatDecimal, formatPercent } from '../../shared/format';
import { StatusBadge } from '../ui/StatusBadge';

const METRIC_NAMES: Record<EvaluationDifference['metric'], string> = {
  accuracy: 'accuracy',
  best_of_n_accuracy: 'best-of-N accuracy',
};

interface ColumnSpec {
  key: keyof EvaluationMetrics;
  heading: string;
  format: (value: number | null) => string;
}

const COLUMNS: ColumnSpec[] = [
  { key: 'accuracy', heading: 'Accuracy', format: (v) => formatPercent(v) },
  { key: 'model_ties', heading: 'Model ties', format: (v) => String(v ?? '—') },
  { key: 'human_ties', heading: 'Human ties', format: (v) => String(v ?? '—') },
  { key: 'mean_margin', heading: 'Mean margin', format: (v) => formatDecimal(v) },
  { key: 'best_of_n_accuracy', heading: 'Best-of-N', format: (v) => formatPercent(v) },
  { key: 'spearman', heading: 'Spearman ρ', format: (v) => formatDecimal(v) },
  { key: 'kendall', heading: 'Kendall τ', format: (v) => formatDecimal(v) },
  { key: 'ece', heading: 'ECE', format: (v) => formatDecimal(v) },
  { key: 'length_correlation', heading: 'Reward–length r', format: (v) => formatDecimal(v) },
];

/** "accuracy −12.0 pts against model 1": what a regression flag says. */
export function regressionText(difference: EvaluationDifference, baseline: number | null): string {
  const scope = difference.scope && difference.scope !== 'overall' ? `${difference.scope}: ` : '';
  const points = (difference.delta * 100).toFixed(1).replace('-', '−');
  return `${scope}${METRIC_NAMES[difference.metric]} ${points} pts against model ${baseline ?? '?'}`;
}

interface EvaluationResultsTableProps {
  /** "Whole set" or a category's name. */
  scope: string;
  results: readonly EvaluationVersionResult[];
}

/** Every model version on one evaluation set (or one category of it), regressions flagged. */
export function EvaluationResultsTable({ scope, results }: EvaluationResultsTableProps) {
  const category = scope === 'Whole set' ? null : scope;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">{`Evaluation results: ${scope}`}</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Status</th>
            {COLUMNS.map((column) => (
              <th key={column.key} scope="col" className="num">
                {column.heading}
              </th>
            ))}
            <th scope="col">Against its baseline</th>
          </tr>
        </thead>
        <tbody>
          {results.map((result) => {
            const report = result.evaluation?.metrics;
            const metrics = report ? (category ? report.categories[category] : report.overall) : undefined;
            const flags = result.regressions.filter((r) => (category ? r.scope === category : r.scope === 'overall'));
            return (
              <tr key={result.model} aria-label={`Model version ${result.number}`}>
                <th scope="row">
                  Model {result.number} {result.is_active && <span className="status-badge status-badge--success">Active</span>}
                </th>
                <td>{result.evaluation ? <StatusBadge status={result.evaluation.status} /> : 'Not scheduled'}</td>
                {COLUMNS.map((column) => (
                  <td key={column.key} className="num">
                    {metrics ? column.format(metrics[column.key] ?? null) : '—'}
                  </td>
                ))}
                <td>
                  {flags.length > 0 ? (
                    <ul className="regressions">
                      {flags.map((flag) => (
                        <li key={`${flag.scope}-${flag.metric}`} className="status-badge status-badge--danger">
                          Regression: {regressionText(flag, result.baseline ?? null)}
                        </li>
                      ))}
                    </ul>
                  ) : result.baseline !== null ? (
                    `No regression against model ${result.baseline}`
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
