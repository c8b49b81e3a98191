import type { TrainingAttempt } from '../../api/training';
import { formatDateTime, MISSING } from '../../shared/format';
import { statusLabel } from '../ui/StatusBadge';

function steps(attempt: TrainingAttempt): string {
  const from = attempt.start_step ?? 0;
  if (attempt.end_step === null) return from > 0 ? `from ${from}` : MISSING;
  return `${from} → ${attempt.end_step}`;
}

/** When it ended; a stalled attempt has no end, only the last time its worker was heard. */
function ended(attempt: TrainingAttempt): string {
  if (attempt.outcome === 'running') return MISSING;
  if (attempt.outcome === 'stalled') return `last heard ${formatDateTime(attempt.ended_at)}`;
  return formatDateTime(attempt.ended_at);
}

/** Every worker's go at a run, oldest first: a resumed run keeps each one's times. */
export function RunAttempts({ attempts }: { attempts: readonly TrainingAttempt[] }) {
  if (attempts.length === 0) return <p className="muted">No worker has taken this run yet.</p>;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Attempts</caption>
        <thead>
          <tr>
            <th scope="col">Attempt</th>
            <th scope="col">Started</th>
            <th scope="col">Ended</th>
            <th scope="col">Steps</th>
            <th scope="col">Worker</th>
            <th scope="col">Outcome</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((attempt) => (
            <tr key={attempt.number}>
              <th scope="row">{attempt.number}</th>
              <td>{formatDateTime(attempt.started_at)}</td>
              <td>{ended(attempt)}</td>
              <td className="num">{steps(attempt)}</td>
              <td>{[attempt.worker, attempt.device].filter(Boolean).join(' · ') || MISSING}</td>
              <td>
                {statusLabel(attempt.outcome)}
                {attempt.error && <span className="muted"> · {attempt.error}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
