import type { TrainingRun } from '../../api/training';
import { formatDateTime, formatPercent, MISSING } from '../../shared/format';
import { trainingRunPath } from '../../shared/routes';
import { Link } from '../../router';
import { StatusBadge } from '../ui/StatusBadge';

const MODES: Record<string, string> = { full: 'Full', top_layers: 'Top layers', head: 'Head only' };

function progress(run: TrainingRun): string {
  if (run.total_steps <= 0) return MISSING;
  return `${run.step} / ${run.total_steps}`;
}

interface RunsTableProps {
  projectId: number;
  runs: readonly TrainingRun[];
  selected: ReadonlySet<number>;
  onToggle: (runId: number, selected: boolean) => void;
}

/** Training runs, newest first, with a checkbox each to pick runs to compare. */
export function RunsTable({ projectId, runs, selected, onToggle }: RunsTableProps) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Training runs</caption>
        <thead>
          <tr>
            <th scope="col">
              <span className="visually-hidden">Compare</span>
            </th>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Dataset</th>
            <th scope="col">Mode</th>
            <th scope="col" className="num">
              Steps
            </th>
            <th scope="col" className="num">
              Accuracy
            </th>
            <th scope="col">Started by</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => {
            const mode = typeof run.config.mode === 'string' ? run.config.mode : '';
            return (
              <tr key={run.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Compare run ${run.number}`}
                    checked={selected.has(run.id)}
                    onChange={(e) => {
                      onToggle(run.id, e.target.checked);
                    }}
                  />
                </td>
                <th scope="row">
                  <Link to={trainingRunPath(projectId, run.id)}>Run {run.number}</Link>
                </th>
                <td>
                  <StatusBadge status={run.status} />
                </td>
                <td>Version {run.dataset_version}</td>
                <td>{MODES[mode] ?? (mode || MISSING)}</td>
                <td className="num">{progress(run)}</td>
                <td className="num">{formatPercent(run.metrics.accuracy)}</td>
                <td>{run.created_by || MISSING}</td>
                <td>{formatDateTime(run.created_at)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
