import { useState, type SubmitEvent } from 'react';
import type { Project } from '../../api/client';
import {
  cancelImportJob,
  getImportJob,
  importFile,
  listImportJobs,
  type ImportJob,
  type ImportReport,
} from '../../api/dashboard';
import { CheckboxField, FormAlert, FormField } from '../../shared/FormField';
import { ImportFormatExample } from './ImportFormatExample';
import { Section } from '../ui/Section';
import { StatusBadge } from '../ui/StatusBadge';
import { formatCount } from '../../shared/format';
import { formErrors, fieldsNamed, NO_ERRORS, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { POLL_MS, usePolling } from '../../shared/data/usePolling';
import { useResource } from '../../shared/data/useResource';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

function isActive(job: ImportJob): boolean {
  return job.status === 'queued' || job.status === 'running';
}

function ProblemList({ errors, total, label }: { errors: readonly string[]; total: number; label: string }) {
  return (
    <>
      <ul className="error-lines" aria-label={label}>
        {errors.map((error) => (
          <li key={error}>{error}</li>
        ))}
      </ul>
      {total > errors.length && (
        <p className="muted">
          The first {errors.length} of {formatCount(total)} are listed.
        </p>
      )}
    </>
  );
}

function ImportResult({ report }: { report: ImportReport }) {
  const tiles: [string, number][] = [
    ['Imported', report.created],
    ['Updated', report.updated],
    ['Unchanged', report.unchanged],
    ['Skipped', report.skipped],
  ];
  if (report.kind === 'pairs') tiles.push(['Rankings created', report.rankings_created]);
  return (
    <div className="stack">
      <p>
        Read {report.kind === 'pairs' ? 'preference pairs' : 'items'} from <span className="mono">{report.source}</span> (
        {report.format}) in {report.elapsed_seconds.toFixed(1)} s.
      </p>
      <dl className="stat-tiles">
        {tiles.map(([label, value]) => (
          <div key={label} className="stat-tile">
            <dt>{label}</dt>
            <dd>{formatCount(value)}</dd>
          </div>
        ))}
      </dl>
      {report.errors.length > 0 && (
        <div className="stack stack--tight">
          <h3 className="subsection-title">Skipped records</h3>
          <ProblemList errors={report.errors} total={report.skipped} label="Skipped records" />
        </div>
      )}
    </div>
  );
}

function JobCounts({ job }: { job: ImportJob }) {
  const tiles: [string, number][] = [
    ['Read', job.rows_read],
    ['Valid so far', job.rows_stored],
    ['Rejected', job.rows_rejected],
  ];
  return (
    <dl className="stat-tiles" aria-label="Import progress">
      {tiles.map(([label, value]) => (
        <div key={label} className="stat-tile">
          <dt>{label}</dt>
          <dd>{formatCount(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

interface ImportJobPanelProps {
  job: ImportJob;
  cancelling: boolean;
  cancelErrors: string[];
  onCancel: () => void;
}

/** A large file's import, run by a worker: its counts while it runs, then how it ended. */
function ImportJobPanel({ job, cancelling, cancelErrors, onCancel }: ImportJobPanelProps) {
  return (
    <div className="stack">
      <div className="export-job__header">
        <span className="mono">{job.file_name}</span>
        <StatusBadge status={job.status} />
      </div>
      {isActive(job) && (
        <>
          {job.status === 'queued' ? <p className="muted">Waiting for a worker…</p> : <JobCounts job={job} />}
          <p className="muted">
            The records are saved together when the import finishes; a cancelled import saves none of them.
          </p>
          <FormAlert messages={cancelErrors} />
          <div>
            <button
              type="button"
              className="button"
              onClick={onCancel}
              disabled={cancelling || job.cancel_requested}
            >
              {job.cancel_requested ? 'Cancelling…' : 'Cancel import'}
            </button>
          </div>
        </>
      )}
      {job.status === 'succeeded' && job.report && <ImportResult report={job.report} />}
      {job.status === 'failed' && (
        <div className="form-alert" role="alert">
          <p>The file was not imported: {job.error}</p>
          {job.errors.length > 1 && <ProblemList errors={job.errors} total={job.error_total} label="Problems in the file" />}
        </div>
      )}
      {job.status === 'cancelled' && <p>The import was cancelled; nothing was saved.</p>}
      {!isActive(job) && (
        <div role="status" className="visually-hidden">
          Import {job.status}.
        </div>
      )}
    </div>
  );
}

/** Upload items (or preference pairs) into the project (admins only). */
export function ImportPage({ project }: { project: Project }) {
  useDocumentTitle(`Import · ${project.name}`);
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [followed, setFollowed] = useState<ImportJob | null>(null);
  const [uploaded, setUploaded] = useState(false);
  const action = useAction();
  const cancelAction = useAction();
  // A job still running when the page opens (started before a reload) is followed too.
  const recent = useResource(`imports-${project.id}`, (signal) => listImportJobs(project.id, signal));
  const newest = recent.state.status === 'loaded' ? recent.state.data.results[0] : undefined;
  const job = followed ?? (!uploaded && newest && isActive(newest) ? newest : null);

  usePolling(
    async (signal) => {
      if (job) setFollowed(await getImportJob(project.id, job.id, signal));
    },
    POLL_MS,
    job !== null && isActive(job),
  );

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    if (!file) {
      action.reset();
      setErrors({ general: [], fields: { file: ['Choose a file to import.'] } });
      return;
    }
    setErrors(NO_ERRORS);
    setReport(null);
    setFollowed(null);
    setUploaded(true);
    const result = await action.run('import', () => importFile(project.id, { file, skipInvalid }));
    if (result?.job) setFollowed(result.job);
    else if (result?.report) setReport(result.report);
  }

  async function handleCancel(target: ImportJob) {
    const cancelled = await cancelAction.run('cancel', () => cancelImportJob(project.id, target.id));
    if (cancelled) setFollowed(cancelled);
  }

  const shown = action.error ? formErrors(action.error, fieldsNamed('file', 'skip_invalid')) : errors;
  const fileErrors = shown.fields.file ?? [];

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Import</h1>
      </div>
      <Section title="Upload a file">
        <form className="stack" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
          <p className="muted">
            JSON Lines, CSV or Parquet (.jsonl, .csv, .parquet, also gzipped), items or preference pairs: see the
            examples below. Re-importing the same ids updates the items. A problem is named by its line (or row) and
            the record&apos;s id.
          </p>
          <FormAlert messages={shown.general} />
          <FormField label="File" errors={fileErrors.length === 1 ? fileErrors : []}>
            {(control) => (
              <input
                {...control}
                aria-invalid={fileErrors.length > 0 || undefined}
                className="input input--file"
                type="file"
                accept=".jsonl,.csv,.parquet,.gz"
                onChange={(e) => {
                  setFile(e.target.files?.[0] ?? null);
                }}
              />
            )}
          </FormField>
          {fileErrors.length > 1 && (
            <div className="form-alert" role="alert">
              <p>The file was not imported:</p>
              <ProblemList errors={fileErrors} total={fileErrors.length} label="Problems in the file" />
            </div>
          )}
          <CheckboxField
            label="Skip invalid records"
            hint="Import the valid records and list the others, instead of refusing the whole file."
            checked={skipInvalid}
            errors={shown.fields.skip_invalid}
            onChange={setSkipInvalid}
          />
          <div>
            <button
              type="submit"
              className="button button--primary"
              disabled={action.pending !== null || (job !== null && isActive(job))}
            >
              {action.pending && <span className="spinner" aria-hidden="true" />}
              Import
            </button>
          </div>
        </form>
      </Section>
      <Section title="File format">
        <ImportFormatExample />
      </Section>
      {job && (
        <Section title="Import job">
          <ImportJobPanel
            job={job}
            cancelling={cancelAction.pending !== null}
            cancelErrors={cancelAction.error ? formErrors(cancelAction.error, fieldsNamed()).general : []}
            onCancel={() => void handleCancel(job)}
          />
        </Section>
      )}
      {report && (
        <Section title="Result">
          <div role="status" className="visually-hidden">
            Import finished: {report.created} imported, {report.updated} updated, {report.skipped} skipped.
          </div>
          <ImportResult report={report} />
        </Section>
      )}
    </>
  );
}
