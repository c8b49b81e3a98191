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
});
