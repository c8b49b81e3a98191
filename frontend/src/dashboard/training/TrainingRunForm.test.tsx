import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeDashboardBackend, makeModel } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

const DEFAULT = 'Default MiniLM (all-MiniLM-L6-v2)';

async function backboneSelect(): Promise<HTMLSelectElement> {
  const select = await screen.findByLabelText('Backbone', {}, LOAD);
  if (!(select instanceof HTMLSelectElement)) throw new Error('expected the backbone to be a select');
  return select;
}

function optionNames(select: HTMLSelectElement): string[] {
  return within(select)
    .getAllByRole('option')
    .map((option) => option.textContent);
}

describe('TrainingRunForm backbone', () => {
  it('offers exactly the backbones the server lists for the project, grouped', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1 }), makeModel({ id: 202, number: 2, is_active: true })];
    renderAt('/projects/5/training');

    const select = await backboneSelect();
    await waitFor(() => {
      expect(optionNames(select)).toEqual([DEFAULT, 'deberta-v3-small', 'Model version 2 (active)', 'Model version 1']);
    });
    expect(select).toHaveValue('default');
    expect(within(select).getByRole('group', { name: 'Installed backbones' })).toHaveTextContent('deberta-v3-small');
    expect(within(select).getByRole('group', { name: 'Model versions of this project' })).toHaveTextContent('Model version 1');
    expect(select).toHaveAccessibleDescription(/a model version of this project/);
    expect(backend.calls('GET', 'backbones/')).toHaveLength(1);
  });

  it('starts a run from a model version of the project by its name', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1 })];
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    await user.selectOptions(await backboneSelect(), await screen.findByRole('option', { name: 'Model version 1' }));
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    expect(await screen.findByRole('heading', { name: 'Run 1', level: 1 })).toBeInTheDocument();
    expect(backend.calls('POST', 'training-runs/')[0]?.body).toEqual({
      dataset_version: null,
      config: { backbone: 'model:1', mode: 'full' },
    });
  });

  it('sends the default by name when the backbone is left alone', async () => {
    const backend = new FakeDashboardBackend();
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    await backboneSelect();
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    await waitFor(() => {
      expect(backend.calls('POST', 'training-runs/')).toHaveLength(1);
    });
    expect(backend.calls('POST', 'training-runs/')[0]?.body).toEqual({
      dataset_version: null,
      config: { backbone: 'default', mode: 'full' },
    });
  });

  it('shows the server’s backbone error next to the field', async () => {
    const backend = new FakeDashboardBackend();
    const message = 'Not an available backbone. Choose one of: default, deberta-v3-small.';
    backend.overrides.set('POST training-runs/', () =>
      errorResponse(400, 'invalid', `config.backbone: ${message}`, { 'config.backbone': [message] }),
    );
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    const select = await backboneSelect();
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    await waitFor(() => {
      expect(select).toHaveAttribute('aria-invalid', 'true');
    });
    expect(select).toHaveAccessibleDescription(new RegExp(message.replace(/[.]/g, '\\.')));
  });

  it('offers only the default when the list cannot be loaded, and says why', async () => {
    const backend = new FakeDashboardBackend();
    backend.overrides.set('GET backbones/', () => errorResponse(500, 'error', 'Server error.'));
    renderAt('/projects/5/training');

    const select = await backboneSelect();
    await waitFor(() => {
      expect(select).toHaveAccessibleDescription(/The backbones couldn’t be loaded \(Server error\.\)/);
    });
    expect(optionNames(select)).toEqual([DEFAULT]);
  });

  it('says so above the form when the project is at its limit of active runs', async () => {
    const backend = new FakeDashboardBackend();
    const message =
      'This project already has 3 active training runs (the limit, RANKWISE_MAX_ACTIVE_RUNS_PER_PROJECT); cancel one or wait for it to finish.';
    backend.overrides.set('POST training-runs/', () => errorResponse(409, 'too_many_active_runs', message));
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    await backboneSelect();
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(message);
    expect(window.location.pathname).toBe('/projects/5/training');
  });
});

describe('TrainingRunForm early stopping', () => {
  it('shows early stopping on by default and sends the patience a researcher sets', async () => {
    const backend = new FakeDashboardBackend();
    renderAt('/projects/5/training');
    const user = userEvent.setup();

    const patience = await screen.findByLabelText('Early stopping', {}, LOAD);
    expect(patience).toHaveAttribute('placeholder', '3 (default)');
    expect(patience).toHaveAccessibleDescription(/The model is the best evaluation’s weights either way\./);
    await user.type(patience, '0');
    await user.click(screen.getByRole('button', { name: 'Start training run' }));

    expect(await screen.findByRole('heading', { name: 'Run 1', level: 1 })).toBeInTheDocument();
    expect(backend.calls('POST', 'training-runs/')[0]?.body).toEqual({
      dataset_version: null,
      config: { backbone: 'default', mode: 'full', early_stopping_patience: 0 },
    });
  });
});
