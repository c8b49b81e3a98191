import { useId, useState, type SubmitEvent } from 'react';
import { getExport, startExport, type ExportFormat, type ExportJob, type SplitName } from '../../api/dashboard';
import { formatCount, formatPercent, textOr } from '../../shared/format';
import { formErrors, fieldsNamed } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { POLL_MS, usePolling } from '../../shared/data/usePolling';
import { FormAlert, FormField } from '../../shared/FormField';
import { StatusBadge } from '../ui/StatusBadge';

/** The formats of annotation/api/exports.py (ExportJob.Format). */
const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'trl_jsonl', label: 'TRL preference JSONL' },
  { value: 'trl_chat_jsonl', label: 'TRL conversational JSONL' },
  { value: 'parquet', label: 'Parquet pairs' },
  { value: 'raw_rankings', label: 'Raw rankings JSONL' },
  { value: 'hf_dataset', label: 'Hugging Face datasets folder (zip)' },
];

const SPLITS: { value: SplitName | ''; label: string }[] = [
  { value: '', label: 'All splits' },
  { value: 'train', label: 'Train' },
  { value: 'validation', label: 'Validation' },
  { value: 'test', label: 'Test' },
];

/** What the download will hold, as the backend writes it (annotation/services/exports.py). */
export function exportContents(format: ExportFormat, split: SplitName | ''): string {
  if (format === 'raw_rankings') return 'One JSONL file of every ranking behind the version; the split does not apply.';
  if (format === 'hf_dataset') {
    return 'A zip of a Hugging Face datasets folder (data/<split>-00000-of-00001.parquet and a README card): unzip it and datasets.load_dataset(folder) gives its splits.';
  }
  const extension = format === 'parquet' ? 'parquet' : 'jsonl';
  if (split !== '') return `One ${extension} file of the ${split} pairs.`;
  return `A zip of train.${extension}, validation.${extension} and test.${extension} (a split without pairs has no file): unzip it and datasets.load_dataset(folder) gives a DatasetDict of the splits.`;
}

function formatLabel(format: ExportFormat): string {
  return FORMATS.find((f) => f.value === format)?.label ?? format;
}

function isActive(job: ExportJob): boolean {
  return job.status === 'queued' || job.status === 'running' || job.status === undefined;
}

function ExportJobRow({ job }: { job: ExportJob }) {
  const id = useId();
  const total = job.rows_total ?? 0;
  const done = job.rows_done ?? 0;
  return (
    <li className="export-job">
      <div className="export-job__header">
        <span className="export-job__name" id={id}>
          Export {job.id} · {formatLabel(job.format)}
        </span>
        <StatusBadge status={job.status ?? 'queued'} />
      </div>
      {isActive(job) && (
        <>
          <progress className="meter" aria-labelledby={id} max={Math.max(total, 1)} value={total > 0 ? done : undefined} />
          <p className="muted">
            {total > 0 ? `${formatCount(done)} of ${formatCount(total)} rows (${formatPercent(done / total, 0)})` : 'Waiting for a worker…'}
          </p>
        </>
      )}
      {job.status === 'failed' && (
        <p className="field__error" role="alert">
          {textOr(job.error, 'The export failed.')}
        </p>
      )}
      {job.download_url && (
        <a className="button button--small" href={job.download_url} download>
          Download export {job.id}
        </a>
      )}
    </li>
  );
}

/** Start exports of a ready version and follow them until their file can be downloaded. */
export function ExportPanel({ projectId, number }: { projectId: number; number: number }) {
  const [format, setFormat] = useState<ExportFormat>('trl_jsonl');
  const [split, setSplit] = useState<SplitName | ''>('');
  const [jobs, setJobs] = useState<ExportJob[]>([]);
  const action = useAction();
  const active = jobs.filter(isActive);

  usePolling(
    async (signal) => {
      const fresh = await Promise.all(active.map((job) => getExport(projectId, job.id, signal)));
      setJobs((before) => before.map((job) => fresh.find((f) => f.id === job.id) ?? job));
    },
    POLL_MS,
    active.length > 0,
  );

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const job = await action.run('export', () =>
      startExport(projectId, number, split === '' ? { format } : { format, split }),
    );
    if (job) setJobs((before) => [job, ...before.filter((j) => j.id !== job.id)]);
  }

  const errors = action.error ? formErrors(action.error, fieldsNamed('format', 'split')) : null;

  return (
    <div className="stack">
      <form className="inline-form" onSubmit={(e) => void handleSubmit(e)} noValidate>
        <FormAlert messages={errors?.general ?? []} />
        <FormField label="Format" errors={errors?.fields.format}>
          {(control) => (
            <select
              {...control}
              value={format}
              onChange={(e) => {
                setFormat(e.target.value as ExportFormat);
              }}
            >
              {FORMATS.map((f) => (
                <option key={f.value} value={f.value}>
                  {f.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <FormField label="Split" errors={errors?.fields.split}>
          {(control) => (
            <select
              {...control}
              value={split}
              onChange={(e) => {
                setSplit(e.target.value as SplitName | '');
              }}
            >
              {SPLITS.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </FormField>
        <button type="submit" className="button button--primary" disabled={action.pending !== null}>
          {action.pending && <span className="spinner" aria-hidden="true" />}
          Start export
        </button>
      </form>
      <p className="muted" aria-label="Export contents">
        {exportContents(format, split)}
      </p>
      {jobs.length > 0 && (
        <ul className="export-jobs" aria-label="Exports">
          {jobs.map((job) => (
            <ExportJobRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </div>
  );
}
