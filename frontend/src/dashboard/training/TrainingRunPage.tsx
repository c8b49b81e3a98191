import type { Project } from '../../api/client';
import { ACTIVE_RUN_STATUSES, type TrainingRunDetail } from '../../api/training';
import { MetricList } from '../ui/MetricList';
import { RunAttempts } from './RunAttempts';
import {
  AccuracyChart,
  evalAccuracy,
  evalLogLoss,
  keptStepMarker,
  LossChart,
  trainLoss,
} from './RunCharts';
import { RunLog } from './RunLog';
import { RunProgress } from './RunProgress';
import { RunSettings } from './RunSettings';
import { Section } from '../ui/Section';
import { ErrorState, LoadingState } from '../../shared/StatePanels';
import { StatusBadge, statusLabel } from '../ui/StatusBadge';
import { formatDateTime, formatDecimal, textOr } from '../../shared/format';
import { dashboardPath, datasetVersionPath } from '../../shared/routes';
import { useTrainingRun, type RunView, type TrainingRunHandle } from './useTrainingRun';
import { Link } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

function RunActions({ view, handle }: { view: RunView; handle: TrainingRunHandle }) {
  const { run } = view;
  const active = ACTIVE_RUN_STATUSES.has(run.status);
  const { pending } = handle.action;
  if (!active && !run.can_resume) return null;
  return (
    <div className="button-row">
      {active && !run.cancel_requested && (
        <button type="button" className="button button--danger" disabled={pending !== null} onClick={handle.cancel}>
          {pending === 'cancel' && <span className="spinner" aria-hidden="true" />}
          Cancel run
        </button>
      )}
      {run.can_resume && (
        <button type="button" className="button button--primary" disabled={pending !== null} onClick={handle.resume}>
          {pending === 'resume' && <span className="spinner" aria-hidden="true" />}
          Resume run
        </button>
      )}
    </div>
  );
}

/** What a failure was, and what to do next: resuming helps only where the run itself was not at fault. */
const FAILURES: Record<string, { title: string; next: string }> = {
  configuration: {
    title: 'The run failed on its settings.',
    next: 'Resuming would fail the same way: start a new run with other settings.',
  },
  data: {
    title: 'The run failed on its data.',
    next: 'Resuming would fail the same way: start a new run on another dataset version.',
  },
  out_of_memory: {
    title: 'The run ran out of memory.',
    next: 'Resume it on a worker with more memory, or start a new run with a smaller token budget or max length.',
  },
};

function FailureNotice({ run }: { run: TrainingRunDetail }) {
  const known = FAILURES[run.failure];
  const next = known?.next ?? (run.can_resume ? 'Resume the run to go on from its last checkpoint.' : '');
  return (
    <div className="state state--error run-error" role="alert">
      <p className="state__title">{known?.title ?? 'The run failed.'}</p>
      <pre className="run-error__text">{textOr(run.error, 'No reason was given.')}</pre>
      {next && <p>{next}</p>}
    </div>
  );
}

/** Which weights the model is: the best evaluation's, or the last step's without one. */
function keptWeights(run: TrainingRunDetail): string {
  if (run.best_step === null) return '';
  const loss = run.series.eval.find((point) => point.step === run.best_step)?.log_loss;
  const best = loss === undefined || loss === null ? '' : `, ${formatDecimal(loss)}`;
  return `The model is step ${run.best_step}’s weights (the best validation log loss${best}).`;
}

function RunNotices({ projectId, view }: { projectId: number; view: RunView }) {
  const { run } = view;
  return (
    <>
      {run.cancel_requested && ACTIVE_RUN_STATUSES.has(run.status) && (
        <p className="notice notice--warning">Cancelling… the worker stops at its next step.</p>
      )}
      {run.status === 'stalled' && (
        <p className="notice notice--warning">
          The worker stopped reporting (last heard from {formatDateTime(run.heartbeat_at)}).
          {run.can_resume ? ' Resume the run to go on from its last checkpoint.' : ''}
        </p>
      )}
      {run.status === 'failed' && <FailureNotice run={run} />}
      {run.status === 'succeeded' && (
        <p className="notice notice--success">
          Training finished. {keptWeights(run)}{' '}
          {run.model_version !== null && (
            <Link to={dashboardPath(projectId, 'models')}>See the model on the Models page</Link>
          )}
        </p>
      )}
    </>
  );
}

interface TrainingRunPageProps {
  project: Project;
  runId: number;
}

/** One training run: live progress, curves, metrics, log, and cancel / resume. */
export function TrainingRunPage({ project, runId }: TrainingRunPageProps) {
  const handle = useTrainingRun(project.id, runId);
  const { state, retry, pollError, action } = handle;
  const run = state.status === 'loaded' ? state.data.run : null;
  useDocumentTitle(`${run ? `Run ${run.number}` : 'Training run'} · ${project.name}`);

  return (
    <>
      <div className="page__header">
        <div>
          <Link to={dashboardPath(project.id, 'training')} className="back-link">
            ← All runs
          </Link>
          <h1 className="page__title">{run ? `Run ${run.number}` : 'Training run'}</h1>
        </div>
        {run && <StatusBadge status={run.status} />}
      </div>
      <p className="visually-hidden" role="status">
        {run ? `Run ${run.number}: ${statusLabel(run.status)}` : ''}
      </p>
      {state.status === 'loading' && <LoadingState>Loading the training run…</LoadingState>}
      {state.status === 'error' && (
        <ErrorState title="Couldn’t load this training run." error={state.error} onRetry={retry} />
      )}
      {state.status === 'loaded' && run && (
        <>
          <RunNotices projectId={project.id} view={state.data} />
          {pollError && (
            <p className="notice notice--warning">Lost touch with the server ({pollError.message}); still trying.</p>
          )}
          {action.error && (
            <div className="form-alert" role="alert">
              <p>{action.error.message}</p>
            </div>
          )}
          <div className="run-summary">
            <RunProgress run={run} />
            <RunActions view={state.data} handle={handle} />
          </div>
          <div className="chart-grid">
            <LossChart series={[trainLoss(run), evalLogLoss(run)]} marker={keptStepMarker(run)} />
            <AccuracyChart series={[evalAccuracy(run)]} marker={keptStepMarker(run)} />
          </div>
          <div className="two-columns">
            <Section title="Metrics">
              <MetricList metrics={run.metrics} />
            </Section>
            <Section title="Settings">
              <dl className="facts">
                <div className="facts__row">
                  <dt>Dataset</dt>
                  <dd>
                    <Link to={datasetVersionPath(project.id, run.dataset_version)}>Version {run.dataset_version}</Link>
                  </dd>
                </div>
                <div className="facts__row">
                  <dt>Started by</dt>
                  <dd>{run.created_by}</dd>
                </div>
              </dl>
              <RunSettings run={run} />
            </Section>
          </div>
          <Section title="Attempts">
            <RunAttempts attempts={run.attempts} />
          </Section>
          <Section title="Log">
            <RunLog lines={state.data.logs} />
          </Section>
        </>
      )}
    </>
  );
}
