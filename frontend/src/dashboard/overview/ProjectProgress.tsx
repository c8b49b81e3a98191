import { useId } from 'react';
import { getProgress } from '../../api/client';
import { formatCount, formatPercent } from '../../shared/format';
import { useResource } from '../../shared/data/useResource';
import { ErrorState, LoadingState } from '../../shared/StatePanels';

/** How many of the project's items have all the rankings they need. */
export function ProjectProgress({ projectId }: { projectId: number }) {
  const id = useId();
  const { state, retry } = useResource(`progress:${projectId}`, (signal) => getProgress(projectId, signal));
  if (state.status === 'loading') return <LoadingState>Loading progress…</LoadingState>;
  if (state.status === 'error') {
    return <ErrorState title="Couldn’t load the progress." error={state.error} onRetry={retry} />;
  }
  const { items_total: total, items_complete: complete } = state.data;
  return (
    <div className="panel progress-panel">
      <p className="progress-panel__label" id={id}>
        Items complete
      </p>
      <p className="progress-panel__numbers">
        <strong>{formatCount(complete)}</strong> of {formatCount(total)}
        <span className="muted"> · {total === 0 ? 'no items yet' : formatPercent(complete / total)}</span>
      </p>
      <progress className="meter" aria-labelledby={id} max={Math.max(total, 1)} value={complete} />
    </div>
  );
}
