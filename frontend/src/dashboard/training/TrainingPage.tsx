import { useState } from 'react';
import type { Project } from '../../api/client';
import { ACTIVE_RUN_STATUSES, listTrainingRuns } from '../../api/training';
import { Pager, pageHref } from '../ui/Pager';
import { RunsTable } from './RunsTable';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { TrainingRunForm } from './TrainingRunForm';
import { compareRunsPath, dashboardPath, pageFromSearch, trainingRunPath } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { navigate, useLocation } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

/** Start a training run; the project's runs, followed while any is queued or running. */
export function TrainingPage({ project }: { project: Project }) {
  useDocumentTitle(`Training · ${project.name}`);
  const location = useLocation();
  const page = pageFromSearch(location.searchParams);
  const { state, retry } = useResource(
    `runs:${project.id}:${page}`,
    (signal) => listTrainingRuns(project.id, page, signal),
    { pollWhile: (data) => data.results.some((run) => ACTIVE_RUN_STATUSES.has(run.status)) },
  );
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());

  function toggle(runId: number, on: boolean) {
    setSelected((before) => {
      const after = new Set(before);
      if (on) after.add(runId);
      else after.delete(runId);
      return after;
    });
  }

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Training</h1>
      </div>
      <Section title="Start a run">
        <TrainingRunForm
          projectId={project.id}
          onStarted={(run) => {
            navigate(trainingRunPath(project.id, run.id));
          }}
        />
      </Section>
      <Section
        title="Runs"
        actions={
          <button
            type="button"
            className="button button--small"
            disabled={selected.size < 2}
            onClick={() => {
              navigate(compareRunsPath(project.id, [...selected]));
            }}
          >
            Compare selected runs
          </button>
        }
      >
        {state.status === 'loading' && <LoadingState>Loading training runs…</LoadingState>}
        {state.status === 'error' && (
          <ErrorState title="Couldn’t load the training runs." error={state.error} onRetry={retry} />
        )}
        {state.status === 'loaded' && state.data.results.length === 0 && (
          <EmptyState title="No training runs yet.">Start the first one above.</EmptyState>
        )}
        {state.status === 'loaded' && state.data.results.length > 0 && (
          <>
            <p className="muted">Select two or more runs to compare them side by side.</p>
            <RunsTable projectId={project.id} runs={state.data.results} selected={selected} onToggle={toggle} />
            <Pager
              label="Training run pages"
              page={page}
              hasPrevious={Boolean(state.data.previous)}
              hasNext={Boolean(state.data.next)}
              hrefFor={(p) => pageHref(dashboardPath(project.id, 'training'), p)}
            />
          </>
        )}
      </Section>
    </>
  );
}
