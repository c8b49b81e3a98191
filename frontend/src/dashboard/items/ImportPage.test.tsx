import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ImportReport } from '../../api/dashboard';
import { FakeDashboardBackend, makeImportJob } from '../../test/dashboardBackend';
import { errorResponse, jsonResponse } from '../../test/http';
import { elapse, LOAD, renderAt } from '../../test/renderApp';

function jsonl(): File {
  return new File(['{"id": "a"}\n{"id": "b"}\n{"nope": 1}\n'], 'items.jsonl', { type: 'application/jsonl' });
}

describe('ImportPage', () => {
  it('imports a file, skipping invalid records, and lists them by line', async () => {
    const backend = new FakeDashboardBackend('admin');
    const report: ImportReport = {
      format: 'jsonl',
      kind: 'items',
      source: 'items.jsonl',
      created: 2,
      updated: 1,
      unchanged: 0,
      skipped: 1,
      errors: ['line 3: "prompt" is missing.'],
      rankings_created: 0,
      elapsed_seconds: 0.4,
    };
    backend.overrides.set('POST imports/', () => jsonResponse(201, report));
    renderAt('/projects/5/import');
    const user = userEvent.setup();

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('checkbox', { name: 'Skip invalid records' }));
    await user.click(screen.getByRole('button', { name: 'Import' }));

    const result = await screen.findByRole('region', { name: 'Result' });
    expect(within(result).getByText('Imported').nextElementSibling).toHaveTextContent('2');
    expect(within(result).getByText('Updated').nextElementSibling).toHaveTextContent('1');
    expect(within(result).getByText('Skipped').nextElementSibling).toHaveTextContent('1');
    const skipped = within(result).getByRole('list', { name: 'Skipped records' });
    expect(within(skipped).getByRole('listitem')).toHaveTextContent('line 3: "prompt" is missing.');

    const sent = backend.calls('POST', 'imports/')[0]?.form;
    expect((sent?.get('file') as File).name).toBe('items.jsonl');
    expect(sent?.get('skip_invalid')).toBe('true');
  });

  it('lists every problem of a refused file', async () => {
    const backend = new FakeDashboardBackend('admin');
    const problems = ['line 2: "completions" needs at least 2 entries.', 'line 5: not valid JSON.'];
    backend.overrides.set('POST imports/', () => errorResponse(400, 'invalid', problems[0] ?? '', { file: problems }));
    renderAt('/projects/5/import');
    const user = userEvent.setup();

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('button', { name: 'Import' }));

    const list = await screen.findByRole('list', { name: 'Problems in the file' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(problems);
    expect(screen.getByLabelText('File')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('region', { name: 'Result' })).not.toBeInTheDocument();
  });

  it('shows a single problem next to the file input', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.overrides.set('POST imports/', () =>
      errorResponse(400, 'invalid', 'line 1: "id" is missing.', { file: ['line 1: "id" is missing.'] }),
    );
    renderAt('/projects/5/import');
    const user = userEvent.setup();

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('button', { name: 'Import' }));

    expect(await screen.findByText('line 1: "id" is missing.')).toBeInTheDocument();
    expect(screen.getByLabelText('File')).toHaveAccessibleDescription('line 1: "id" is missing.');
  });

  it('asks for a file before sending anything', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/import');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Import' }, LOAD));

    expect(screen.getByLabelText('File')).toHaveAccessibleDescription('Choose a file to import.');
    expect(backend.calls('POST', 'imports/')).toHaveLength(0);
  });
});

describe('ImportPage with a large file (an import job)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function tile(region: HTMLElement, label: string) {
    return within(region).getByText(label).nextElementSibling;
  }

  it('follows the job from queued through its counts to the report', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.importAsJob = true;
    renderAt('/projects/5/import');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('button', { name: 'Import' }));

    const panel = await screen.findByRole('region', { name: 'Import job' });
    expect(within(panel).getByText('Queued', { selector: '.status-badge' })).toBeInTheDocument();
    expect(within(panel).getByText('Waiting for a worker…')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();

    await elapse(2000);
    expect(await within(panel).findByText('Running', { selector: '.status-badge' })).toBeInTheDocument();
    expect(within(panel).getByLabelText('Import progress')).toBeInTheDocument();
    expect(tile(panel, 'Read')).toHaveTextContent('2,000');
    expect(tile(panel, 'Valid so far')).toHaveTextContent('1,999');
    expect(tile(panel, 'Rejected')).toHaveTextContent('1');

    await elapse(2000);
    expect(tile(panel, 'Read')).toHaveTextContent('4,000');

    await elapse(2000);
    expect(await within(panel).findByText('Succeeded', { selector: '.status-badge' })).toBeInTheDocument();
    expect(tile(panel, 'Imported')).toHaveTextContent('4,500');
    const skipped = within(panel).getByRole('list', { name: 'Skipped records' });
    expect(within(skipped).getAllByRole('listitem')).toHaveLength(2);
    expect(within(panel).queryByRole('button', { name: 'Cancel import' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Import' })).toBeEnabled();

    // Ended: no more polling.
    const polls = backend.calls('GET', 'imports/90/').length;
    await elapse(4000);
    expect(backend.calls('GET', 'imports/90/')).toHaveLength(polls);
  });

  it('cancels a running job, which then saves nothing', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.importAsJob = true;
    renderAt('/projects/5/import');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('button', { name: 'Import' }));
    const panel = await screen.findByRole('region', { name: 'Import job' });
    await elapse(2000);
    await user.click(await within(panel).findByRole('button', { name: 'Cancel import' }));

    expect(await within(panel).findByRole('button', { name: 'Cancelling…' })).toBeDisabled();
    expect(backend.calls('POST', 'imports/90/cancel/')).toHaveLength(1);

    await elapse(2000);
    expect(await within(panel).findByText('Cancelled', { selector: '.status-badge' })).toBeInTheDocument();
    expect(within(panel).getByText('The import was cancelled; nothing was saved.')).toBeInTheDocument();
    expect(within(panel).queryByRole('button', { name: /Cancel/ })).not.toBeInTheDocument();
  });

  it('shows why a job failed, with its problems by line', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.importAsJob = true;
    const problems = ['line 2: completions: This field is required.', 'line 9: Invalid JSON: Expecting value (column 1).'];
    backend.overrides.set('GET imports/90/', () =>
      jsonResponse(
        200,
        makeImportJob({
          status: 'failed',
          error: '130 problems in the file; nothing was stored.',
          errors: problems,
          error_total: 130,
        }),
      ),
    );
    renderAt('/projects/5/import');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.upload(await screen.findByLabelText('File', {}, LOAD), jsonl());
    await user.click(screen.getByRole('button', { name: 'Import' }));
    await elapse(2000);

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('The file was not imported: 130 problems in the file; nothing was stored.');
    const list = within(alert).getByRole('list', { name: 'Problems in the file' });
    expect(within(list).getAllByRole('listitem').map((li) => li.textContent)).toEqual(problems);
    expect(alert).toHaveTextContent('The first 2 of 130 are listed.');
  });

  it('follows a job that was still running when the page opened', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.importJobs = [
      makeImportJob({ id: 90, status: 'succeeded', file_name: 'old.jsonl' }),
      makeImportJob({ id: 91, status: 'running', file_name: 'big.jsonl.gz', rows_read: 2000 }),
    ];
    renderAt('/projects/5/import');

    const panel = await screen.findByRole('region', { name: 'Import job' }, LOAD);
    expect(within(panel).getByText('big.jsonl.gz')).toBeInTheDocument();
    expect(tile(panel, 'Read')).toHaveTextContent('2,000');
    expect(within(panel).getByRole('button', { name: 'Cancel import' })).toBeEnabled();

    await elapse(2000);
    expect(backend.calls('GET', 'imports/91/')).toHaveLength(1);
  });

  it('does not show a finished job when the page opens', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.importJobs = [makeImportJob({ status: 'succeeded' })];
    renderAt('/projects/5/import');

    expect(await screen.findByRole('button', { name: 'Import' }, LOAD)).toBeEnabled();
    expect(screen.queryByRole('region', { name: 'Import job' })).not.toBeInTheDocument();
  });

  it('shows an example file per file type, the one chosen at a time', async () => {
    new FakeDashboardBackend('admin');
    renderAt('/projects/5/import');
    const user = userEvent.setup();

    const formats = await screen.findByRole('region', { name: 'File format' }, LOAD);
    const items = within(formats).getByLabelText('Example items.jsonl');
    expect(items).toHaveTextContent('"id": "q-001"');
    expect(items).toHaveTextContent('"completions": [{"text": "Paris.", "model": "model-a"}');

    await user.click(within(formats).getByRole('button', { name: 'JSONL pairs' }));
    expect(within(formats).getByLabelText('Example pairs.jsonl')).toHaveTextContent('"chosen":');
    expect(within(formats).queryByLabelText('Example items.jsonl')).not.toBeInTheDocument();

    await user.click(within(formats).getByRole('button', { name: 'CSV' }));
    expect(within(formats).getByLabelText('Example items.csv')).toHaveTextContent(
      'id,prompt,completion_1,model_1,completion_2,model_2,metadata',
    );

    await user.click(within(formats).getByRole('button', { name: 'Parquet' }));
    expect(within(formats).getByRole('button', { name: 'Parquet' })).toHaveAttribute('aria-pressed', 'true');
    expect(within(formats).getByRole('rowheader', { name: 'completions' })).toBeInTheDocument();
    expect(within(formats).getByText('list<struct<text: string, model: string>>')).toBeInTheDocument();
  });
});
