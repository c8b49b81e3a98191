import type { Project } from '../../api/client';
import { listDatasetVersions, type DatasetVersion } from '../../api/dashboard';
import { DatasetVersionForm } from './DatasetVersionForm';
import { Pager, pageHref } from '../ui/Pager';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { StatusBadge } from '../ui/StatusBadge';
import { asRecord, versionCounts } from './datasetVersion';
import { formatCount, formatDateTime, MISSING } from '../../shared/format';
import { dashboardPath, datasetVersionPath, pageFromSearch } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { Link, navigate, useLocation } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

function ruleSummary(rule: unknown): string {
  const record = asRecord(rule);
  if (!record) return MISSING;
  return record.pairs === 'consensus' ? `Consensus (${String(record.method)})` : 'Per rater';
}

function VersionTable({ projectId, versions }: { projectId: number; versions: readonly DatasetVersion[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Dataset versions</caption>
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Pairs from</th>
            <th scope="col" className="num">
              Pairs
            </th>
            <th scope="col" className="num">
              Prompts
            </th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {versions.map((version) => {
            const counts = versionCounts(version.counts);
            return (
              <tr key={version.id}>
                <th scope="row">
                  <Link to={datasetVersionPath(projectId, version.number)}>Version {version.number}</Link>
                  {version.name ? <span className="muted"> · {version.name}</span> : null}
                </th>
                <td>
                  <StatusBadge status={version.status ?? 'building'} />
                </td>
                <td>{ruleSummary(version.rule)}</td>
                <td className="num">{counts ? formatCount(counts.pairs) : MISSING}</td>
                <td className="num">{counts ? formatCount(counts.prompts) : MISSING}</td>
                <td>{formatDateTime(version.created_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Dataset versions of a project, and the form for a new one. */
export function DatasetsPage({ project }: { project: Project }) {
  useDocumentTitle(`Datasets · ${project.name}`);
  const location = useLocation();
  const page = pageFromSearch(location.searchParams);
  const { state, retry } = useResource(
    `datasets:${project.id}:${page}`,
    (signal) => listDatasetVersions(project.id, page, signal),
    { pollWhile: (data) => data.results.some((v) => v.status === 'building') },
  );

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Datasets</h1>
        {state.status === 'loaded' && state.data.count > 0 && (
          <p className="page__subtitle">{state.data.count === 1 ? '1 version' : `${state.data.count} versions`}</p>
        )}
      </div>
      <Section title="Versions">
        {state.status === 'loading' && <LoadingState>Loading dataset versions…</LoadingState>}
        {state.status === 'error' && (
          <ErrorState title="Couldn’t load the dataset versions." error={state.error} onRetry={retry} />
        )}
        {state.status === 'loaded' && state.data.results.length === 0 && (
          <EmptyState title="No dataset versions yet.">Create the first one below.</EmptyState>
        )}
        {state.status === 'loaded' && state.data.results.length > 0 && (
          <>
            <VersionTable projectId={project.id} versions={state.data.results} />
            <Pager
              label="Dataset version pages"
              page={page}
              hasPrevious={Boolean(state.data.previous)}
              hasNext={Boolean(state.data.next)}
              hrefFor={(p) => pageHref(dashboardPath(project.id, 'datasets'), p)}
            />
          </>
        )}
      </Section>
      <Section title="New version">
        <DatasetVersionForm
          projectId={project.id}
          onCreated={(version) => {
            navigate(datasetVersionPath(project.id, version.number));
          }}
        />
      </Section>
    </>
  );
}
