import type { ModelVersion } from '../../api/training';
import { modelDownloadUrl } from '../../api/training';
import { formatDateTime, formatDecimal } from '../../shared/format';
import { formatMetric } from './metrics';
import { datasetVersionPath, trainingRunPath } from '../../shared/routes';
import { Link } from '../../router';
import { MetricList } from '../ui/MetricList';

const COLUMNS = ['accuracy', 'log_loss', 'kendall_tau', 'ece'] as const;
const HEADINGS: Record<(typeof COLUMNS)[number], string> = {
  accuracy: 'Accuracy',
  log_loss: 'Log loss',
  kendall_tau: 'Kendall τ',
  ece: 'ECE',
};

interface ModelTableProps {
  projectId: number;
  models: readonly ModelVersion[];
  /** The model being promoted, if any. */
  promoting: number | null;
  onPromote: (model: ModelVersion) => void;
}

/** Model versions with their evaluation, the active one marked, each promotable and downloadable. */
export function ModelTable({ projectId, models, promoting, onPromote }: ModelTableProps) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Model versions</caption>
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">From</th>
            {COLUMNS.map((key) => (
              <th key={key} scope="col" className="num">
                {HEADINGS[key]}
              </th>
            ))}
            <th scope="col">Created</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {models.map((model) => (
            <tr key={model.id} className={model.is_active ? 'data-table__row--active' : undefined}>
              <th scope="row">
                <span className="model-name">
                  Model version {model.number}{' '}
                  {model.is_active && <span className="status-badge status-badge--success">Active</span>}
                </span>
                <details className="model-details">
                  <summary>All metrics</summary>
                  <MetricList metrics={model.metrics} />
                  <dl className="facts">
                    <div className="facts__row">
                      <dt>Reward mean / std</dt>
                      <dd>
                        {formatDecimal(model.reward_mean)} / {formatDecimal(model.reward_std)}
                      </dd>
                    </div>
                    {model.decision && (
                      <div className="facts__row">
                        <dt>Decision</dt>
                        <dd>{model.decision}</dd>
                      </div>
                    )}
                    {model.promoted_at && (
                      <div className="facts__row">
                        <dt>Promoted</dt>
                        <dd>{formatDateTime(model.promoted_at)}</dd>
                      </div>
                    )}
                  </dl>
                </details>
              </th>
              <td>
                <Link to={trainingRunPath(projectId, model.training_run)}>Training run</Link>{' '}
                <br />
                <Link to={datasetVersionPath(projectId, model.dataset_version)}>
                  Dataset version {model.dataset_version}
                </Link>
              </td>
              {COLUMNS.map((key) => (
                <td key={key} className="num">
                  {formatMetric(key, model.metrics[key])}
                </td>
              ))}
              <td>{formatDateTime(model.created_at)}</td>
              <td>
                <div className="button-row">
                  {!model.is_active && (
                    <button
                      type="button"
                      className="button button--small button--primary"
                      disabled={promoting !== null}
                      aria-label={`Promote model version ${model.number}`}
                      onClick={() => {
                        onPromote(model);
                      }}
                    >
                      {promoting === model.id && <span className="spinner" aria-hidden="true" />}
                      Promote
                    </button>
                  )}
                  <a
                    className="button button--small"
                    href={modelDownloadUrl(projectId, model.id)}
                    download
                    aria-label={`Download model version ${model.number}`}
                  >
                    Download
                  </a>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
