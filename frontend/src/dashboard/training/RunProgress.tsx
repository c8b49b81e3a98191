import { useId } from 'react';
import type { TrainingRun } from '../../api/training';
import { formatDateTime, formatDuration, formatPercent, MISSING } from '../../shared/format';

/** Where a run is: step of total, time left, and where it runs. */
export function RunProgress({ run }: { run: TrainingRun }) {
  const id = useId();
  const share = run.total_steps > 0 ? run.step / run.total_steps : null;
  const running = run.status === 'running';
  const stoppedEarly = run.status === 'succeeded' && run.step < run.total_steps;
  return (
    <div className="panel run-progress">
      <p className="progress-panel__label" id={id}>
        Training progress
      </p>
      <p className="progress-panel__numbers">
        {stoppedEarly ? (
          <>
            Stopped early at step <strong>{run.step}</strong> of {run.total_steps}
            <span className="muted"> · no validation gain in the last evaluations</span>
          </>
        ) : run.total_steps > 0 ? (
          <>
            Step <strong>{run.step}</strong> of {run.total_steps}
            <span className="muted"> · {formatPercent(share, 0)}</span>
          </>
        ) : run.status === 'queued' ? (
          'Waiting for a training worker…'
        ) : (
          'No steps yet.'
        )}
      </p>
      <progress
        className="meter"
        aria-labelledby={id}
        max={Math.max(run.total_steps, 1)}
        value={run.total_steps > 0 ? run.step : running ? undefined : 0}
      />
      <dl className="facts facts--inline">
        {running && (
          <div className="facts__row">
            <dt>Time left</dt>
            <dd>{run.eta_seconds === null ? 'estimating…' : `about ${formatDuration(run.eta_seconds)}`}</dd>
          </div>
        )}
        <div className="facts__row">
          <dt>Started</dt>
          <dd>{formatDateTime(run.started_at)}</dd>
        </div>
        {run.status === 'stalled' ? (
          <div className="facts__row">
            <dt>Last heard from</dt>
            <dd>{formatDateTime(run.heartbeat_at)}</dd>
          </div>
        ) : (
          run.finished_at && (
            <div className="facts__row">
              <dt>Finished</dt>
              <dd>{formatDateTime(run.finished_at)}</dd>
            </div>
          )
        )}
        <div className="facts__row">
          <dt>Worker</dt>
          <dd>{[run.worker, run.device].filter(Boolean).join(' · ') || MISSING}</dd>
        </div>
      </dl>
    </div>
  );
}
