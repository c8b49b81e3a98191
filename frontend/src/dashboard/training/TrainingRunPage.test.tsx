import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDashboardBackend, makeRun } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { elapse, LOAD, renderAt } from '../../test/renderApp';

describe('TrainingRunPage', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows a run every 2 s until it finishes, with its curves and log', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [makeRun({ id: 101, number: 1 })];
    backend.log(101, 'Queued.');
    renderAt('/projects/5/training/101');

    expect(await screen.findByRole('heading', { name: 'Run 1', level: 1 }, LOAD)).toBeInTheDocument();
    // The first answer already has it running, at step 0.
    expect(await screen.findByText('Running', { selector: '.status-badge' })).toBeInTheDocument();
    expect(screen.getByLabelText('Training progress')).toHaveAttribute('max', '30');
    expect(backend.calls('GET', 'training-runs/101/')).toHaveLength(1);

    await elapse(1900);
    expect(backend.calls('GET', 'training-runs/101/')).toHaveLength(1);
    await elapse(100);
    expect(await screen.findByText('of 30', { exact: false })).toHaveTextContent('Step 10 of 30');
    expect(screen.getByText(/^about/)).toHaveTextContent('about 1 min');

    await elapse(2000);
    await elapse(2000);
    expect(await screen.findByText('Succeeded', { selector: '.status-badge' })).toBeInTheDocument();
    expect(screen.getByText('Step', { exact: false, selector: 'p' })).toHaveTextContent('Step 30 of 30');

    // Curves: loss (training and validation) and validation accuracy, one point per poll.
    const loss = screen.getByRole('img', { name: /^Loss\./ });
    expect(loss).toHaveAccessibleName(/Training loss: 3 points, latest 0\.40/);
    expect(loss.querySelectorAll('polyline')).toHaveLength(2);
    expect(screen.getByRole('img', { name: /^Accuracy\./ })).toHaveAccessibleName(/latest 80%/);

    // The log came in pieces: each poll asked for the lines after the last one held.
    const log = screen.getByRole('log', { name: 'Run log' });
    expect(within(log).getAllByRole('listitem')).toHaveLength(6);
    const messages = Array.from(log.querySelectorAll('.run-log__message'), (line) => line.textContent);
    expect(messages).toEqual([
      'Queued.',
      'Started on cuda:0.',
      'step 10 loss 0.600',
      'step 20 loss 0.500',
      'step 30 loss 0.400',
      'Finished.',
    ]);
    const afters = backend.calls('GET', 'training-runs/101/logs/').map((r) => r.url.searchParams.get('after'));
    expect(afters).toEqual([null, '2', '3', '4']);

    // Final metrics, and a way to the model it made.
    expect(screen.getByText('Pairwise accuracy').nextElementSibling).toHaveTextContent('80.0%');
    expect(screen.getByRole('link', { name: 'See the model on the Models page' })).toHaveAttribute(
      'href',
      '/projects/5/models',
    );

    // Finished: no more polling.
    await elapse(6000);
    expect(backend.calls('GET', 'training-runs/101/')).toHaveLength(4);
  });

  it('cancels a running run, then resumes it', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [makeRun({ id: 101, number: 1, status: 'running', step: 10, total_steps: 30 })];
    renderAt('/projects/5/training/101');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    await user.click(await screen.findByRole('button', { name: 'Cancel run' }, LOAD));

    expect(backend.calls('POST', 'training-runs/101/cancel/')).toHaveLength(1);
    expect(await screen.findByText(/Cancelling…/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).not.toBeInTheDocument();

    await elapse(2000);
    expect(await screen.findByText('Cancelled', { selector: '.status-badge' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Resume run' }));
    expect(backend.calls('POST', 'training-runs/101/resume/')).toHaveLength(1);
    expect(await screen.findByText('Queued', { selector: '.status-badge' })).toBeInTheDocument();
    // Queued again, so it is followed again.
    await elapse(2000);
    expect(await screen.findByText('Running', { selector: '.status-badge' })).toBeInTheDocument();
  });

  it('shows the server’s message when a run cannot be resumed', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [makeRun({ id: 101, number: 1, status: 'stalled', can_resume: true, heartbeat_at: '2025-03-04T11:00:00Z' })];
    backend.overrides.set('POST training-runs/101/resume/', () =>
      errorResponse(409, 'cannot_resume', 'The checkpoint of this run is gone.'),
    );
    renderAt('/projects/5/training/101');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    expect(await screen.findByText(/The worker stopped reporting/, {}, LOAD)).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Resume run' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('The checkpoint of this run is gone.');
  });

  it('shows why a run failed and stops following it', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [
      makeRun({ id: 101, number: 1, status: 'failed', error: 'CUDA out of memory (tried to allocate 2.00 GiB)' }),
    ];
    renderAt('/projects/5/training/101');

    const alert = await screen.findByRole('alert', {}, LOAD);
    expect(alert).toHaveTextContent('The run failed.');
    expect(alert).toHaveTextContent('CUDA out of memory (tried to allocate 2.00 GiB)');
    expect(screen.queryByRole('button', { name: 'Cancel run' })).not.toBeInTheDocument();
    expect(screen.getByText('No loss reported yet.')).toBeInTheDocument();

    await elapse(4000);
    expect(backend.calls('GET', 'training-runs/101/')).toHaveLength(1);
  });

  it('keeps every attempt of a resumed run, and a stalled one has no finish time', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [
      makeRun({
        id: 101,
        status: 'stalled',
        can_resume: true,
        started_at: '2025-03-04T09:00:00Z',
        heartbeat_at: '2025-03-04T11:40:00Z',
        step: 63,
        total_steps: 100,
        attempts: [
          { number: 1, worker: 'gpu-a:12', device: 'cuda:0', started_at: '2025-03-04T09:00:00Z', ended_at: '2025-03-04T09:30:00Z', outcome: 'failed', start_step: 0, end_step: 20, error: 'OutOfMemoryError: CUDA out of memory' },
          { number: 2, worker: 'gpu-b:7', device: 'cuda:1', started_at: '2025-03-04T11:00:00Z', ended_at: '2025-03-04T11:40:00Z', outcome: 'stalled', start_step: 20, end_step: 63, error: 'no heartbeat from gpu-b:7' },
        ],
      }),
    ];
    renderAt('/projects/5/training/101');

    const attempts = await screen.findByRole('table', { name: 'Attempts' }, LOAD);
    const rows = within(attempts).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getAllByRole('cell')[2]?.textContent)).toEqual(['0 → 20', '20 → 63']);
    expect(rows[0]).toHaveTextContent('gpu-a:12 · cuda:0');
    expect(rows[0]).toHaveTextContent('Failed · OutOfMemoryError: CUDA out of memory');
    expect(rows[1]).toHaveTextContent(/last heard/);
    expect(rows[1]).toHaveTextContent('Stalled');
    const progress = screen.getByText('Training progress').closest('.run-progress');
    if (!(progress instanceof HTMLElement)) throw new Error('expected the progress panel');
    expect(within(progress).queryByText('Finished')).not.toBeInTheDocument();
    expect(within(progress).getByText('Last heard from')).toBeInTheDocument();
    expect(within(progress).getByText('Started').nextElementSibling?.textContent).toBe(
      within(attempts).getAllByRole('row')[1]?.querySelectorAll('td')[0]?.textContent,
    );
  });

  it('offers no Resume after a failure on the run’s settings, and says what to do instead', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [
      makeRun({
        id: 101,
        status: 'failed',
        failure: 'configuration',
        can_resume: false,
        error: "ConfigError: backbone='broken': cannot load a model",
      }),
    ];
    renderAt('/projects/5/training/101');

    const alert = await screen.findByRole('alert', {}, LOAD);
    expect(alert).toHaveTextContent('The run failed on its settings.');
    expect(alert).toHaveTextContent('Resuming would fail the same way: start a new run with other settings.');
    expect(screen.queryByRole('button', { name: 'Resume run' })).not.toBeInTheDocument();
  });

  it('offers Resume after running out of memory', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [makeRun({ id: 101, status: 'failed', failure: 'out_of_memory', can_resume: true, error: 'OutOfMemoryError' })];
    renderAt('/projects/5/training/101');

    expect(await screen.findByRole('alert', {}, LOAD)).toHaveTextContent('The run ran out of memory.');
    expect(screen.getByRole('button', { name: 'Resume run' })).toBeInTheDocument();
  });

  it('says which step’s weights the model is, and marks it on the curves', async () => {
    const backend = new FakeDashboardBackend();
    const steps = [10, 20, 30, 40];
    backend.runs = [
      makeRun({
        id: 101,
        status: 'succeeded',
        step: 40,
        total_steps: 100,
        best_step: 10,
        model_version: 3,
        series: {
          train: steps.map((step) => ({ step, loss: 1 / step, lr: 1e-4 })),
          eval: steps.map((step, i) => ({ step, accuracy: 0.7, log_loss: [0.61, 0.9, 1.4, 2.74][i] ?? null })),
        },
      }),
    ];
    renderAt('/projects/5/training/101');

    expect(await screen.findByText(/Training finished\./, {}, LOAD)).toHaveTextContent(
      'The model is step 10’s weights (the best validation log loss, 0.610).',
    );
    expect(screen.getByText(/Stopped early at step/)).toHaveTextContent('Stopped early at step 40 of 100');
    expect(screen.getByRole('img', { name: /^Loss\./ })).toHaveAccessibleName(/Marked: model: step 10\.$/);
  });

  it('shows the settings a researcher chose and folds the rest', async () => {
    const backend = new FakeDashboardBackend();
    backend.runs = [
      makeRun({
        id: 101,
        status: 'succeeded',
        config: { backbone: 'default', mode: 'full', epochs: 2, early_stopping_patience: 3, center_coef: 0, extra: {} },
        chosen_settings: ['backbone', 'mode', 'epochs', 'early_stopping_patience'],
        backbone_label: 'all-MiniLM-L6-v2 (default)',
      }),
    ];
    renderAt('/projects/5/training/101');

    const settings = await screen.findByRole('region', { name: 'Settings' }, LOAD);
    const shown = within(settings).getAllByRole('term').filter((term) => !term.closest('details'));
    expect(shown.map((term) => term.textContent)).toEqual([
      'Dataset',
      'Started by',
      'Backbone',
      'Mode',
      'Epochs',
      'Early stopping',
    ]);
    const value = (label: string) => shown.find((term) => term.textContent === label)?.nextElementSibling;
    expect(value('Backbone')).toHaveTextContent('all-MiniLM-L6-v2 (default)');
    expect(value('Early stopping')).toHaveTextContent('after 3 evaluations without a validation gain');
    const all = within(settings).getByText('All settings (6)').closest('details');
    expect(all).not.toHaveAttribute('open');
    expect(all).toHaveTextContent('center coef');
  });
});
