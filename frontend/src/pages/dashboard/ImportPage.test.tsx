import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ImportReport } from '../../api/dashboard';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { errorResponse, jsonResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

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
