import { useState, type SubmitEvent } from 'react';
import type { Project } from '../../api/client';
import { importFile, type ImportReport } from '../../api/dashboard';
import { CheckboxField, FormAlert, FormField } from '../../components/dashboard/FormField';
import { Section } from '../../components/dashboard/Section';
import { formatCount } from '../../dashboard/format';
import { formErrors, fieldsNamed, NO_ERRORS, type FormErrors } from '../../dashboard/formErrors';
import { useAction } from '../../dashboard/useAction';
import { useDocumentTitle } from '../../useDocumentTitle';

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
          <ul className="error-lines" aria-label="Skipped records">
            {report.errors.map((error) => (
              <li key={error}>{error}</li>
            ))}
          </ul>
          {report.skipped > report.errors.length && (
            <p className="muted">The first {report.errors.length} of {formatCount(report.skipped)} are listed.</p>
          )}
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
  const action = useAction();

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
    const result = await action.run('import', () => importFile(project.id, { file, skipInvalid }));
    if (result) setReport(result);
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
            JSON Lines, CSV or Parquet (.jsonl, .csv, .parquet, also gzipped). Re-importing the same ids updates the
            items.
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
              <ul className="error-lines" aria-label="Problems in the file">
                {fileErrors.map((error) => (
                  <li key={error}>{error}</li>
                ))}
              </ul>
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
            <button type="submit" className="button button--primary" disabled={action.pending !== null}>
              {action.pending && <span className="spinner" aria-hidden="true" />}
              Import
            </button>
          </div>
        </form>
      </Section>
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
