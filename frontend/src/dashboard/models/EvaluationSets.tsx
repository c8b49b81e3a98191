import type { Project } from '../../api/client';
import { listEvaluationSets } from '../../api/evaluation';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { useResource } from '../../shared/data/useResource';
import { EvaluationSetPanel } from './EvaluationSetPanel';
import { UploadEvaluationSetForm } from './UploadEvaluationSetForm';

/** The project's evaluation sets: upload one, and see every model version on each. */
export function EvaluationSets({ project }: { project: Project }) {
  const { state, retry, update } = useResource(`evaluation-sets:${project.id}`, (signal) =>
    listEvaluationSets(project.id, signal),
  );
  return (
    <>
      <p className="muted">
        Every model version is evaluated on every set. A version is compared with the active model (or the newest earlier
        one) by a bootstrap interval over the set’s items: a regression is a drop beyond that noise.
      </p>
      {state.status === 'loading' && <LoadingState>Loading evaluation sets…</LoadingState>}
      {state.status === 'error' && <ErrorState title="Couldn’t load the evaluation sets." error={state.error} onRetry={retry} />}
      {state.status === 'loaded' && state.data.length === 0 && (
        <EmptyState title="No evaluation sets yet.">Upload held-out pairs or rankings below.</EmptyState>
      )}
      {state.status === 'loaded' &&
        state.data.map((evaluationSet) => (
          <EvaluationSetPanel key={evaluationSet.id} projectId={project.id} evaluationSet={evaluationSet} />
        ))}
      <details className="evaluation-upload">
        <summary>Upload an evaluation set</summary>
        <UploadEvaluationSetForm
          projectId={project.id}
          onUploaded={(uploaded) => { update((list) => [...list, uploaded].sort((a, b) => a.name.localeCompare(b.name))); }}
        />
      </details>
    </>
  );
}
