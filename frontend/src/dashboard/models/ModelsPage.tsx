import type { Project } from '../../api/client';
import { listModels, promoteModel, type ModelVersion } from '../../api/training';
import { ModelTable } from './ModelTable';
import { Pager, pageHref } from '../ui/Pager';
import { ScoringPlayground } from './ScoringPlayground';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { dashboardPath, pageFromSearch } from '../../shared/routes';
import { useAction } from '../../shared/data/useAction';
import { useResource } from '../../shared/data/useResource';
import { Link, useLocation } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

/** Model versions (promote, download) and the scoring playground. */
export function ModelsPage({ project }: { project: Project }) {
  useDocumentTitle(`Models · ${project.name}`);
  const location = useLocation();
  const page = pageFromSearch(location.searchParams);
  const { state, retry, update, refresh } = useResource(`models:${project.id}:${page}`, (signal) =>
    listModels(project.id, page, signal),
  );
  const action = useAction();
  const promoting = action.pending === null ? null : Number(action.pending);

  async function promote(model: ModelVersion) {
    const promoted = await action.run(String(model.id), () => promoteModel(project.id, model.id));
    if (!promoted) return;
    // One active model per project: the promoted one replaces the last.
    update((list) => ({
      ...list,
      results: list.results.map((m) => (m.id === promoted.id ? promoted : { ...m, is_active: false })),
    }));
    refresh();
  }

  const models = state.status === 'loaded' ? state.data.results : [];
  const active = models.find((m) => m.is_active);

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Models</h1>
      </div>
      <p className="visually-hidden" role="status">
        {active ? `Model version ${active.number} is active.` : ''}
      </p>
      <Section title="Model versions">
        {action.error && (
          <div className="form-alert" role="alert">
            <p>{action.error.message}</p>
          </div>
        )}
        {state.status === 'loading' && <LoadingState>Loading models…</LoadingState>}
        {state.status === 'error' && <ErrorState title="Couldn’t load the models." error={state.error} onRetry={retry} />}
        {state.status === 'loaded' && models.length === 0 && (
          <EmptyState title="No models yet.">
            A training run that succeeds adds one.{' '}
            <Link to={dashboardPath(project.id, 'training')}>Start a run</Link>
          </EmptyState>
        )}
        {state.status === 'loaded' && models.length > 0 && (
          <>
            <ModelTable projectId={project.id} models={models} promoting={promoting} onPromote={(m) => void promote(m)} />
            <Pager
              label="Model pages"
              page={page}
              hasPrevious={Boolean(state.data.previous)}
              hasNext={Boolean(state.data.next)}
              hrefFor={(p) => pageHref(dashboardPath(project.id, 'models'), p)}
            />
          </>
        )}
      </Section>
      <Section title="Playground">
        <p className="muted">Type a prompt and a few completions; a reward model ranks them.</p>
        <ScoringPlayground projectId={project.id} models={models} />
      </Section>
    </>
  );
}
