import { useState } from 'react';
import { isAbortError, type ApiError } from '../../api/client';
import {
  ACTIVE_RUN_STATUSES,
  cancelTrainingRun,
  getTrainingRun,
  getTrainingRunLogs,
  resumeTrainingRun,
  type TrainingLogLine,
  type TrainingRun,
  type TrainingRunDetail,
} from '../../api/training';
import { toApiError, useAuth } from '../../auth/AuthContext';
import { useAction, type ActionHandle } from '../../shared/data/useAction';
import { POLL_MS, usePolling } from '../../shared/data/usePolling';
import { useResource, type Resource } from '../../shared/data/useResource';

export interface RunView {
  run: TrainingRunDetail;
  logs: TrainingLogLine[];
}

/** `lines` after the last one already held (a retried poll may answer some again). */
export function appendLines(held: readonly TrainingLogLine[], lines: readonly TrainingLogLine[]): TrainingLogLine[] {
  const last = held.at(-1)?.seq ?? -Infinity;
  const fresh = lines.filter((line) => line.seq > last);
  return fresh.length === 0 ? [...held] : [...held, ...fresh];
}

export interface TrainingRunHandle {
  state: Resource<RunView>;
  retry: () => void;
  /** Why the last poll failed, until one succeeds (the page keeps the last numbers). */
  pollError: ApiError | null;
  action: ActionHandle;
  cancel: () => void;
  resume: () => void;
}

/**
 * A training run and its log, polled every 2 s while it is queued or running:
 * the detail first, then the log lines after the last one held.
 */
export function useTrainingRun(projectId: number, runId: number): TrainingRunHandle {
  const { sessionExpired } = useAuth();
  const { state, retry, update } = useResource(`run:${projectId}:${runId}`, async (signal) => {
    const [run, log] = await Promise.all([
      getTrainingRun(projectId, runId, signal),
      // The log is secondary: without it the run still shows, and polls fetch it again.
      getTrainingRunLogs(projectId, runId, undefined, signal).catch(() => ({ lines: [] })),
    ]);
    return { run, logs: log.lines };
  });
  const [pollError, setPollError] = useState<ApiError | null>(null);
  const action = useAction();
  const held = state.status === 'loaded' ? state.data : null;
  const live = held !== null && ACTIVE_RUN_STATUSES.has(held.run.status);

  usePolling(
    async (signal) => {
      try {
        const run = await getTrainingRun(projectId, runId, signal);
        const log = await getTrainingRunLogs(projectId, runId, held?.logs.at(-1)?.seq, signal);
        update((before) => ({ run, logs: appendLines(before.logs, log.lines) }));
        setPollError(null);
      } catch (err) {
        if (isAbortError(err)) return;
        const error = toApiError(err);
        if (error.isUnauthenticated) sessionExpired();
        else setPollError(error);
      }
    },
    POLL_MS,
    live,
  );

  function merge(changed: TrainingRun | undefined) {
    if (changed) update((before) => ({ ...before, run: { ...before.run, ...changed } }));
  }

  return {
    state,
    retry,
    pollError,
    action,
    cancel: () => {
      void action.run('cancel', () => cancelTrainingRun(projectId, runId)).then(merge);
    },
    resume: () => {
      void action.run('resume', () => resumeTrainingRun(projectId, runId)).then(merge);
    },
  };
}
