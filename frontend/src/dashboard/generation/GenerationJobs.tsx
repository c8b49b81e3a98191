import { useState, type SubmitEvent } from 'react';
import {
  ACTIVE_JOB_STATUSES,
  generationJobAction,
  retryFailedSamples,
  startGenerationJob,
  type GenerationJob,
  type Generator,
} from '../../api/generation';
import { useAction } from '../../shared/data/useAction';

interface JobsProps {
  projectId: number;
  generators: Generator[];
  jobs: GenerationJob[];
  onChanged: (job: GenerationJob) => void;
}

/** Start a job (samples per generator) and watch the project's jobs. */
export function GenerationJobs({ projectId, generators, jobs, onChanged }: JobsProps) {
  const [samples, setSamples] = useState<Record<number, string>>({});
  const action = useAction();

  async function start(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const plan = generators
      .map((g) => ({ generator: g.id, samples: Number(samples[g.id] ?? '0') }))
      .filter((step) => step.samples > 0);
    const job = await action.run('start', () => startGenerationJob(projectId, plan));
    if (job) onChanged(job);
  }

  async function retry(job: GenerationJob) {
    const answer = await action.run(`retry-${job.id}`, () => retryFailedSamples(projectId, job.id));
    if (answer) onChanged(answer.job);
  }

  async function act(job: GenerationJob, verb: 'cancel' | 'resume') {
    const changed = await action.run(`${verb}-${job.id}`, () => generationJobAction(projectId, job.id, verb));
    if (changed) onChanged(changed);
  }

  return (
    <>
      <form className="generation-plan" onSubmit={(e) => void start(e)} aria-label="Start a generation job">
        <p className="muted">Completions per prompt awaiting them, from each generator:</p>
        {generators.map((g) => (
          <label key={g.id}>
            Samples from {g.name}
            <input
              className="input"
              inputMode="numeric"
              value={samples[g.id] ?? '0'}
              onChange={(e) => { setSamples({ ...samples, [g.id]: e.target.value }); }}
            />
          </label>
        ))}
        <button className="button button--primary" type="submit" disabled={action.pending !== null}>
          Start generating
        </button>
      </form>
      {action.error && (
        <div className="form-alert" role="alert">
          <p>{action.error.message}</p>
        </div>
      )}
      <table className="table" aria-label="Generation jobs">
        <thead>
          <tr>
            <th>Job</th>
            <th>Status</th>
            <th>Samples</th>
            <th>Failed</th>
            <th>Duplicates</th>
            <th>Items ready</th>
            <th>Time left</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <tr key={job.id}>
              <td>#{job.id}</td>
              <td>
                {job.stalled ? 'stalled' : job.status}
                {job.error ? (
                  <small className="muted generation-job-note">{job.error}</small>
                ) : job.worker_losses > 0 ? (
                  <small className="muted generation-job-note">
                    Resumed after losing its worker {job.worker_losses}×
                  </small>
                ) : null}
              </td>
              <td>
                {job.samples_done} / {job.samples_total}
              </td>
              <td>{job.samples_failed}</td>
              <td>{job.duplicates}</td>
              <td>
                {job.prompts_released} / {job.prompts_total}
              </td>
              <td>{job.eta_seconds === null ? '—' : `${Math.ceil(job.eta_seconds)} s`}</td>
              <td>
                {ACTIVE_JOB_STATUSES.has(job.status) && !job.stalled ? (
                  <button className="button" type="button" onClick={() => void act(job, 'cancel')}>
                    Cancel
                  </button>
                ) : job.status !== 'succeeded' ? (
                  <button className="button" type="button" onClick={() => void act(job, 'resume')}>
                    Resume
                  </button>
                ) : null}
                {job.samples_failed > 0 && !ACTIVE_JOB_STATUSES.has(job.status) && (
                  <button className="button" type="button" onClick={() => void retry(job)}>
                    Retry {job.samples_failed} failed
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
