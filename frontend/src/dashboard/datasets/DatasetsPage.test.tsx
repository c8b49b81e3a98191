import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDashboardBackend, makeVersion } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { elapse, LOAD, renderAt } from '../../test/renderApp';

describe('Datasets', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('creates a version and follows it from building to ready', async () => {
    const backend = new FakeDashboardBackend();
    backend.buildPolls = 1;
    renderAt('/projects/5/datasets');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    expect(await screen.findByText('No dataset versions yet.', {}, LOAD)).toBeInTheDocument();
    await user.type(screen.getByLabelText('Name'), 'strict consensus');
    await user.selectOptions(screen.getByLabelText('Pairs'), 'Consensus');
    await user.selectOptions(screen.getByLabelText('Consensus method'), 'Ranked pairs');
    await user.clear(screen.getByLabelText('Minimum agreement'));
    await user.type(screen.getByLabelText('Minimum agreement'), '0.6');
    await user.type(screen.getByLabelText('Minimum raters'), '3');
    await user.click(screen.getByRole('checkbox', { name: 'Include gold items' }));
    await user.click(screen.getByRole('button', { name: 'Create version' }));

    expect(await screen.findByRole('heading', { name: /^Dataset version 1/, level: 1 })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/projects/5/datasets/1');
    expect(backend.calls('POST', 'datasets/')[0]?.body).toEqual({
      name: 'strict consensus',
      seed: 0,
      pairs: 'consensus',
      method: 'ranked_pairs',
      min_agreement: 0.6,
      min_raters: 3,
      include_imported: false,
      include_gold: true,
      split: { train: 0.8, validation: 0.1, test: 0.1 },
    });
    expect(await screen.findByText(/Building the version/)).toBeInTheDocument();
    expect(screen.getByText('Building', { selector: '.status-badge' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Start export' })).not.toBeInTheDocument();

    await elapse(2000);

    expect(await screen.findByText('Ready', { selector: '.status-badge' })).toBeInTheDocument();
    expect(screen.queryByText(/Building the version/)).not.toBeInTheDocument();
    expect(screen.getByText('Content hash').nextElementSibling).toHaveTextContent('f00dfeed');
    const counts = screen.getByRole('table', { name: 'Counts by split' });
    expect(within(counts).getByRole('row', { name: /^train/ })).toHaveTextContent('9632');
    expect(within(counts).getByRole('row', { name: /^All/ })).toHaveTextContent('12040');
    expect(screen.getByRole('button', { name: 'Start export' })).toBeInTheDocument();

    // Ready: no more polling.
    const polls = backend.calls('GET', 'datasets/1/').length;
    await elapse(4000);
    expect(backend.calls('GET', 'datasets/1/')).toHaveLength(polls);
  });

  it('shows why a build failed', async () => {
    const backend = new FakeDashboardBackend();
    backend.versions = [makeVersion({ status: 'building', counts: {}, content_hash: '' })];
    backend.buildPolls = 0;
    backend.buildError = 'No ranking matches this rule.';
    renderAt('/projects/5/datasets/1');

    const alert = await screen.findByRole('alert', {}, LOAD);
    expect(alert).toHaveTextContent('The build failed.');
    expect(alert).toHaveTextContent('No ranking matches this rule.');
    expect(screen.getByText('Failed', { selector: '.status-badge' })).toBeInTheDocument();
  });

  it('shows a split error from the server under the split inputs', async () => {
    const backend = new FakeDashboardBackend();
    backend.overrides.set('POST datasets/', () =>
      errorResponse(400, 'invalid', 'split.non_field_errors: Shares must add up to 1.', {
        'split.non_field_errors': ['Shares must add up to 1.'],
      }),
    );
    renderAt('/projects/5/datasets');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.clear(await screen.findByLabelText('Train', {}, LOAD));
    await user.type(screen.getByLabelText('Train'), '0.9');
    await user.click(screen.getByRole('button', { name: 'Create version' }));

    expect(await screen.findByText('Shares must add up to 1.')).toBeInTheDocument();
    expect(screen.getByLabelText('Train')).toHaveAttribute('aria-invalid', 'true');
    expect(window.location.pathname).toBe('/projects/5/datasets');
  });

  it('lists versions with their status and counts', async () => {
    const backend = new FakeDashboardBackend();
    backend.versions = [makeVersion({ id: 1, number: 1 }), makeVersion({ id: 2, number: 2, name: 'gold', status: 'failed', counts: {} })];
    renderAt('/projects/5/datasets');

    const table = await screen.findByRole('table', { name: 'Dataset versions' }, LOAD);
    const [, newest, oldest] = within(table).getAllByRole('row');
    expect(newest).toHaveTextContent('Version 2 · gold');
    expect(newest).toHaveTextContent('Failed');
    expect(oldest).toHaveTextContent('Ready');
    expect(oldest).toHaveTextContent('120');
    expect(within(table).getByRole('link', { name: 'Version 1' })).toHaveAttribute('href', '/projects/5/datasets/1');
  });

  it('says an all-splits export is a zip of a file per split and a one-split export one file', async () => {
    const backend = new FakeDashboardBackend();
    backend.versions = [makeVersion()];
    renderAt('/projects/5/datasets/1');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    const contents = await screen.findByLabelText('Export contents', {}, LOAD);
    expect(contents).toHaveTextContent('A zip of train.jsonl, validation.jsonl and test.jsonl');
    expect(contents).toHaveTextContent('datasets.load_dataset(folder) gives a DatasetDict');

    await user.selectOptions(screen.getByLabelText('Format'), 'Parquet pairs');
    expect(contents).toHaveTextContent('A zip of train.parquet, validation.parquet and test.parquet');

    await user.selectOptions(screen.getByLabelText('Split'), 'Validation');
    expect(contents).toHaveTextContent('One parquet file of the validation pairs.');
  });

  it('exports a ready version and links to the file when it is done', async () => {
    const backend = new FakeDashboardBackend();
    backend.versions = [makeVersion()];
    renderAt('/projects/5/datasets/1');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.selectOptions(await screen.findByLabelText('Format', {}, LOAD), 'Parquet pairs');
    await user.selectOptions(screen.getByLabelText('Split'), 'Train');
    await user.click(screen.getByRole('button', { name: 'Start export' }));

    const exports = await screen.findByRole('list', { name: 'Exports' });
    expect(within(exports).getByText('Queued')).toBeInTheDocument();
    expect(backend.calls('POST', 'datasets/1/exports/')[0]?.body).toEqual({ format: 'parquet', split: 'train' });

    await elapse(2000);
    expect(await within(exports).findByText('60 of 120 rows (50%)')).toBeInTheDocument();
    expect(within(exports).getByRole('progressbar', { name: 'Export 70 · Parquet pairs' })).toHaveAttribute('value', '60');

    await elapse(2000);
    const download = await within(exports).findByRole('link', { name: 'Download export 70' });
    expect(download).toHaveAttribute('href', 'http://testserver/api/v1/projects/5/exports/70/download/');
    expect(within(exports).getByText('Succeeded')).toBeInTheDocument();
  });
});
