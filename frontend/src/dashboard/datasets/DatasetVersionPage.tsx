import type { Project } from '../../api/client';
import { getDatasetVersion, type DatasetVersion } from '../../api/dashboard';
import { ExportPanel } from './ExportPanel';
import { Section } from '../ui/Section';
import { ErrorState, LoadingState } from '../../shared/StatePanels';
import { StatusBadge } from '../ui/StatusBadge';
import { asRecord, describeSplit, describeValue, versionCounts } from './datasetVersion';
import { formatCount, formatDateTime, textOr } from '../../shared/format';
import { dashboardPath } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { Link } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

const RULE_LABELS: Record<string, string> = {
  pairs: 'Pairs from',
  method: 'Consensus method',
  min_agreement: 'Minimum agreement',
  min_raters: 'Minimum raters',
  rater_ids: 'Only these raters',
  include_imported: 'Imported rankings',
  include_gold: 'Gold items',
};

function Counts({ version }: { version: DatasetVersion }) {
  const counts = versionCounts(version.counts);
  if (!counts) return <p className="muted">No counts yet.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table data-table--compact">
        <caption className="visually-hidden">Counts by split</caption>
        <thead>
          <tr>
            <th scope="col">Split</th>
            <th scope="col" className="num">
              Pairs
            </th>
            <th scope="col" className="num">
              Prompts
            </th>
          </tr>
        </thead>
        <tbody>
          {counts.splits.map(({ name, counts: split }) => (
            <tr key={name}>
              <th scope="row">{name}</th>
              <td className="num">{formatCount(split.pairs)}</td>
              <td className="num">{formatCount(split.prompts)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All</th>
            <td className="num">{formatCount(counts.pairs)}</td>
            <td className="num">{formatCount(counts.prompts)}</td>
          </tr>
        </tfoot>
      </table>
      <p className="muted">From {formatCount(counts.rankings)} rankings.</p>
    </div>
  );
}

function Facts({ version }: { version: DatasetVersion }) {
  const rule = asRecord(version.rule) ?? {};
  const rows: [string, string][] = [
    ['Content hash', textOr(version.content_hash, 'not yet computed')],
    ['Seed', String(version.seed ?? 0)],
    ['Split', describeSplit(version.split)],
    ['Created', formatDateTime(version.created_at)],
    ...Object.entries(rule).map(([key, value]): [string, string] => [RULE_LABELS[key] ?? key, describeValue(value)]),
  ];
  return (
    <dl className="facts">
      {rows.map(([label, value]) => (
        <div key={label} className="facts__row">
          <dt>{label}</dt>
          <dd className={label === 'Content hash' ? 'mono' : undefined}>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

interface DatasetVersionPageProps {
  project: Project;
  number: number;
}

/** One dataset version: its status (followed while it builds), rule, counts and exports. */
export function DatasetVersionPage({ project, number }: DatasetVersionPageProps) {
  useDocumentTitle(`Dataset version ${number} · ${project.name}`);
  const { state, retry } = useResource(
    `dataset:${project.id}:${number}`,
    (signal) => getDatasetVersion(project.id, number, signal),
    { pollWhile: (data) => (data.status ?? 'building') === 'building' },
  );
  const status = state.status === 'loaded' ? (state.data.status ?? 'building') : null;

  return (
    <>
      <div className="page__header">
        <div>
          <Link to={dashboardPath(project.id, 'datasets')} className="back-link">
            ← All versions
          </Link>
          <h1 className="page__title">
            Dataset version {number}
            {state.status === 'loaded' && state.data.name ? <span className="muted"> · {state.data.name}</span> : null}
          </h1>
        </div>
        {status && <StatusBadge status={status} />}
      </div>
      <p className="visually-hidden" role="status">
        {status === 'ready' ? `Version ${number} is ready.` : status === 'failed' ? `Version ${number} failed.` : ''}
      </p>
      {state.status === 'loading' && <LoadingState>Loading the dataset version…</LoadingState>}
      {state.status === 'error' && (
        <ErrorState title="Couldn’t load this dataset version." error={state.error} onRetry={retry} />
      )}
      {state.status === 'loaded' && (
        <>
          {status === 'building' && (
            <div className="state state--loading">
              <span className="spinner" aria-hidden="true" />
              Building the version… this page updates by itself.
            </div>
          )}
          {status === 'failed' && (
            <div className="state state--error" role="alert">
              <p className="state__title">The build failed.</p>
              <p className="state__detail">{textOr(state.data.error, 'No reason was given.')}</p>
            </div>
          )}
          <div className="two-columns">
            <Section title="Counts">
              <Counts version={state.data} />
            </Section>
            <Section title="Details">
              <Facts version={state.data} />
            </Section>
          </div>
          {status === 'ready' && (
            <Section title="Export">
              <ExportPanel projectId={project.id} number={number} />
            </Section>
          )}
        </>
      )}
    </>
  );
}
