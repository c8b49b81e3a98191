import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeDashboardBackend, makeRun, makeVersion } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

describe('TrainingPage', () => {
  it('shows a field error from the server next to its input', async () => {
    const backend = new FakeDashboardBackend();
    backend.overrides.set('POST training-runs/', () =>
      errorResponse(400, 'invalid', 'config.epochs: Ensure this value is greater than or equal to 1.', {
        'config.epochs': ['Ensure this value is greater than or equal to 1.'],
      }),
    );
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Epochs', {}, LOAD), '0');
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    const epochs = screen.getByLabelText('Epochs');
    await waitFor(() => {
      expect(epochs).toHaveAttribute('aria-invalid', 'true');
    });
    expect(epochs).toHaveAccessibleDescription(/Ensure this value is greater than or equal to 1\./);
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(window.location.pathname).toBe('/projects/5/training');
  });

  it('checks numbers before sending anything', async () => {
    const backend = new FakeDashboardBackend();
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Max length', {}, LOAD), '1.5');
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    expect(screen.getByLabelText('Max length')).toHaveAccessibleDescription(/Enter a whole number/);
    expect(backend.calls('POST', 'training-runs/')).toHaveLength(0);
  });

  it('starts a run with what was typed and opens its page', async () => {
    const backend = new FakeDashboardBackend();
    backend.versions = [makeVersion({ id: 1, number: 1 }), makeVersion({ id: 2, number: 2, name: 'consensus' })];
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    expect(await screen.findByText('No training runs yet.', {}, LOAD)).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Backbone'), await screen.findByRole('option', { name: 'deberta-v3-small' }));
    await user.selectOptions(screen.getByLabelText('Mode'), 'Head only');
    await user.selectOptions(screen.getByLabelText('Dataset version'), await screen.findByRole('option', { name: 'Version 2 · consensus' }));
    await user.type(screen.getByLabelText('Epochs'), '2');
    await user.type(screen.getByLabelText('Learning rate'), '2e-5');
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    expect(await screen.findByRole('heading', { name: 'Run 1', level: 1 })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/projects/5/training/101');
    expect(backend.calls('POST', 'training-runs/')[0]?.body).toEqual({
      dataset_version: 2,
      config: { backbone: 'deberta-v3-small', mode: 'head', epochs: 2, learning_rate: 2e-5 },
    });
  });

  it('compares the runs picked in the table side by side', async () => {
    const backend = new FakeDashboardBackend();
    const series = (offset: number) => ({
      train: [10, 20, 30].map((step) => ({ step, loss: 0.7 - step / 100 + offset, lr: 1e-5 })),
      eval: [{ step: 30, accuracy: 0.7 - offset, log_loss: 0.5 }],
    });
    backend.runs = [
      makeRun({ id: 101, number: 1, status: 'succeeded', config: { mode: 'full', epochs: 1 }, metrics: { accuracy: 0.7, ece: 0.05 }, series: series(0) }),
      makeRun({ id: 102, number: 2, status: 'succeeded', config: { mode: 'head', epochs: 3 }, metrics: { accuracy: 0.74, ece: 0.03 }, series: series(0.1) }),
      makeRun({ id: 103, number: 3, status: 'failed' }),
    ];
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'Training runs' }, LOAD);
    const compare = screen.getByRole('button', { name: 'Compare selected runs' });
    expect(within(table).getAllByRole('row')).toHaveLength(4);
    await user.click(within(table).getByRole('checkbox', { name: 'Compare run 1' }));
    expect(compare).toBeDisabled();
    await user.click(within(table).getByRole('checkbox', { name: 'Compare run 2' }));
    await user.click(compare);

    expect(await screen.findByRole('heading', { name: 'Compare runs', level: 1 })).toBeInTheDocument();
    expect(window.location.search).toBe('?runs=101,102');
    const side = await screen.findByRole('table', { name: 'Runs side by side' });
    const [head] = within(side).getAllByRole('rowgroup');
    if (!head) throw new Error('expected a table head');
    expect(within(head).getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Run 1', 'Run 2']);
    expect(within(side).getByRole('row', { name: /^Epochs/ })).toHaveTextContent('Epochs13');
    expect(within(side).getByRole('row', { name: /^Pairwise accuracy/ })).toHaveTextContent('70.0%74.0%');
    expect(within(side).getByRole('row', { name: /^Calibration error/ })).toHaveTextContent('0.0500.030');
    const loss = screen.getByRole('img', { name: /^Training loss\./ });
    expect(loss).toHaveAccessibleName(/Run 1: 3 points, latest 0\.40; Run 2: 3 points, latest 0\.50/);
    expect(loss.querySelectorAll('polyline')).toHaveLength(2);
  });
});
