import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeDashboardBackend, makeModel } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

function modelRow(number: number): HTMLElement {
  return screen.getByRole('row', { name: new RegExp(`^Model version ${number} `) });
}

describe('ModelsPage', () => {
  it('lists the models with their metrics and promotes one', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [
      makeModel({ id: 201, number: 1, is_active: true }),
      makeModel({ id: 202, number: 2, training_run: 102, metrics: { accuracy: 0.76, log_loss: 0.51, kendall_tau: 0.5, ece: null } }),
    ];
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await screen.findByRole('table', { name: 'Model versions' }, LOAD);
    expect(modelRow(1)).toHaveTextContent('Active');
    expect(modelRow(2)).toHaveTextContent('76.0%');
    expect(modelRow(2)).toHaveTextContent('0.510');
    expect(within(modelRow(2)).getByRole('link', { name: 'Training run' })).toHaveAttribute('href', '/projects/5/training/102');
    expect(within(modelRow(2)).getByRole('link', { name: 'Download model version 2' })).toHaveAttribute(
      'href',
      '/api/v1/projects/5/models/202/download/',
    );
    expect(within(modelRow(1)).queryByRole('button', { name: /Promote/ })).not.toBeInTheDocument();

    await user.click(within(modelRow(2)).getByRole('button', { name: 'Promote model version 2' }));

    expect(await within(modelRow(2)).findByText('Active')).toBeInTheDocument();
    expect(within(modelRow(1)).queryByText('Active')).not.toBeInTheDocument();
    expect(within(modelRow(1)).getByRole('button', { name: 'Promote model version 1' })).toBeInTheDocument();
    expect(backend.calls('POST', 'models/202/promote/')).toHaveLength(1);
  });

  it('ranks candidates in the playground by their reward', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1, is_active: true })];
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Prompt', {}, LOAD), 'How do I boil an egg?');
    await user.type(screen.getByLabelText('Candidate 1'), 'Boil it.');
    await user.type(screen.getByLabelText('Candidate 2'), 'Put it in boiling water for seven minutes, then cool it.');
    await user.click(screen.getByRole('button', { name: 'Add candidate' }));
    await user.type(screen.getByLabelText('Candidate 3'), 'Boil it for 7 minutes.');
    expect(screen.getByLabelText('Model')).toHaveDisplayValue('Model version 1 (active)');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));

    const ranked = await screen.findByRole('list', { name: 'Ranked candidates' });
    const items = within(ranked).getAllByRole('listitem');
    expect(items.map((li) => li.querySelector('.scored__title')?.textContent)).toEqual([
      'Rank 1: Candidate 2',
      'Rank 2: Candidate 3',
      'Rank 3: Candidate 1',
    ]);
    expect(items[0]).toHaveTextContent('Reward 5.600');
    expect(items[0]).toHaveTextContent('Normalized 1.000');
    expect(items[2]).toHaveTextContent('Normalized 0.000');
    expect(screen.getByRole('heading', { name: 'Ranked by model version 1' })).toBeInTheDocument();
    expect(backend.calls('POST', 'score/')[0]?.body).toEqual({
      prompt: 'How do I boil an egg?',
      completions: ['Boil it.', 'Put it in boiling water for seven minutes, then cool it.', 'Boil it for 7 minutes.'],
      model: 201,
    });
  });

  it('renders the scored prompt and candidates as markdown and explains the normalized score', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1, is_active: true })];
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Prompt', {}, LOAD), 'Explain **recursion**');
    await user.type(screen.getByLabelText('Candidate 1'), 'It calls *itself*.');
    await user.type(screen.getByLabelText('Candidate 2'), 'A function that calls itself.');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));

    const ranked = await screen.findByRole('list', { name: 'Ranked candidates' });
    expect(within(ranked).getByText('itself', { selector: 'em' })).toBeInTheDocument();
    expect(within(ranked).queryByText(/\*itself\*/)).not.toBeInTheDocument();
    const prompt = screen.getByRole('region', { name: 'Scored prompt' });
    expect(within(prompt).getByText('recursion', { selector: 'strong' })).toBeInTheDocument();
    const normalized = within(ranked).getAllByText(/^Normalized/)[0];
    expect(normalized).toHaveAccessibleDescription(/z-score against the rewards this model gave the completions of its validation split/);
    expect(normalized).toHaveAccessibleDescription(/0 is their average, ±1 one standard deviation/);
  });

  it('scores with the newest model when none is active, then with the one promoted', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 202, number: 2 }), makeModel({ id: 201, number: 1 })];
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    expect(await screen.findByLabelText('Model', {}, LOAD)).toHaveDisplayValue('Model version 2');
    await user.click(screen.getByRole('button', { name: 'Promote model version 1' }));
    await waitFor(() => {
      expect(screen.getByLabelText('Model')).toHaveDisplayValue('Model version 1 (active)');
    });
    await user.type(screen.getByLabelText('Prompt'), 'Say hi');
    await user.type(screen.getByLabelText('Candidate 1'), 'Hi');
    await user.type(screen.getByLabelText('Candidate 2'), 'Hello');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));
    await screen.findByRole('list', { name: 'Ranked candidates' });
    expect(backend.calls('POST', 'score/')[0]?.body).toMatchObject({ model: 201 });
  });

  it('says there is no model yet and links to training instead of offering one', async () => {
    const backend = new FakeDashboardBackend();
    renderAt('/projects/5/models');

    const playground = await screen.findByRole('region', { name: 'Playground' }, LOAD);
    expect(within(playground).getByText(/No model yet/)).toBeInTheDocument();
    expect(within(playground).getByRole('link', { name: 'Start a run' })).toHaveAttribute('href', '/projects/5/training');
    expect(within(playground).queryByLabelText('Model')).not.toBeInTheDocument();
    expect(within(playground).queryByRole('option', { name: /Active model/ })).not.toBeInTheDocument();
    expect(within(playground).getByRole('button', { name: 'Score candidates' })).toBeDisabled();
    expect(backend.calls('POST', 'score/')).toHaveLength(0);
  });

  it('scores with a chosen model after removing a candidate', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1, is_active: true }), makeModel({ id: 202, number: 2 })];
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Prompt', {}, LOAD), 'Say hi');
    await user.click(screen.getByRole('button', { name: 'Add candidate' }));
    await user.type(screen.getByLabelText('Candidate 1'), 'Hi');
    await user.type(screen.getByLabelText('Candidate 2'), 'Unwanted');
    await user.type(screen.getByLabelText('Candidate 3'), 'Hello there');
    await user.click(screen.getByRole('button', { name: 'Remove candidate 2' }));
    expect(screen.queryByLabelText('Candidate 3')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Remove candidate 1' })).toBeDisabled();
    await user.selectOptions(screen.getByLabelText('Model'), 'Model version 2');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));

    await screen.findByRole('list', { name: 'Ranked candidates' });
    expect(backend.calls('POST', 'score/')[0]?.body).toEqual({
      prompt: 'Say hi',
      completions: ['Hi', 'Hello there'],
      model: 202,
    });
  });

  it('says why scoring failed and asks for empty candidates to be filled', async () => {
    const backend = new FakeDashboardBackend();
    backend.models = [makeModel({ id: 201, number: 1, is_active: true })];
    backend.overrides.set('POST score/', () => errorResponse(409, 'no_active_model', 'This project has no active model yet.'));
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Prompt', {}, LOAD), 'Say hi');
    await user.type(screen.getByLabelText('Candidate 1'), 'Hi');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));
    expect(screen.getByLabelText('Candidate 2')).toHaveAccessibleDescription(/Type a completion/);
    expect(backend.calls('POST', 'score/')).toHaveLength(0);

    await user.type(screen.getByLabelText('Candidate 2'), 'Hello');
    await user.click(screen.getByRole('button', { name: 'Score candidates' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('This project has no active model yet.');
  });
});
