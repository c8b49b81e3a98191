import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { Generator } from '../../api/generation';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { errorResponse, jsonResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

const NOW = '2025-03-01T10:00:00Z';

const vllm: Generator = {
  id: 1, name: 'qwen', kind: 'openai', base_url: 'http://gpu:8000/v1', model: 'Qwen', endpoint: 'chat',
  api_key_env: 'VLLM_KEY', temperature: 0.8, top_p: 1, max_tokens: 256, stop: [], seed: null, send_n: true,
  concurrency: 64, timeout_seconds: 120, has_api_key: false, created_at: NOW, updated_at: NOW,
};

function backendWith(generators: Generator[]): FakeDashboardBackend {
  const backend = new FakeDashboardBackend();
  backend.overrides.set('GET generators/', () => jsonResponse(200, generators));
  backend.overrides.set('GET generation-jobs/', () => jsonResponse(200, []));
  backend.overrides.set('GET leaderboard/', () =>
    jsonResponse(200, { models: [], standings: [], win_rate: [], games_between: [], prompts: 0, games: 0, category: '', categories: [] }),
  );
  backend.overrides.set('POST generators/', (req) => jsonResponse(201, { ...vllm, id: 3, ...(req.body as Partial<Generator>) }));
  return backend;
}

async function newGeneratorForm() {
  renderAt('/projects/5/generation');
  return screen.findByRole('form', { name: 'New generator' }, LOAD);
}

describe('GeneratorForm', () => {
  it('defines a generator with every setting: stop strings as a list, no seed when left empty', async () => {
    const backend = backendWith([]);
    const form = await newGeneratorForm();
    const user = userEvent.setup();

    await user.type(within(form).getByLabelText('Name'), 'vllm');
    await user.type(within(form).getByLabelText('Base URL'), 'http://gpu:8000/v1');
    await user.type(within(form).getByLabelText('Model'), 'Qwen');
    await user.click(within(form).getByText('More settings'));
    await user.clear(within(form).getByLabelText('Top p'));
    await user.type(within(form).getByLabelText('Top p'), '0.9');
    await user.type(within(form).getByLabelText('Stop strings'), '###{Enter}\\n\\n{Enter}');
    await user.click(within(form).getByLabelText('Ask for all samples in one request (n)'));
    await user.clear(within(form).getByLabelText('Timeout (seconds)'));
    await user.type(within(form).getByLabelText('Timeout (seconds)'), '30');
    await user.click(within(form).getByRole('button', { name: 'Add generator' }));

    expect(backend.calls('POST', 'generators/')[0]?.body).toEqual({
      kind: 'openai', name: 'vllm', base_url: 'http://gpu:8000/v1', model: 'Qwen', endpoint: 'chat',
      temperature: 1, top_p: 0.9, max_tokens: 512, concurrency: 8, stop: ['###', '\n\n'], send_n: true,
      timeout_seconds: 30,
    });
  });

  it('sends a seed that is typed', async () => {
    const backend = backendWith([]);
    const form = await newGeneratorForm();
    const user = userEvent.setup();

    await user.type(within(form).getByLabelText('Name'), 'seeded');
    await user.type(within(form).getByLabelText('Base URL'), 'http://gpu:8000/v1');
    await user.type(within(form).getByLabelText('Model'), 'Qwen');
    await user.click(within(form).getByText('More settings'));
    await user.type(within(form).getByLabelText('Seed'), '7');
    await user.click(within(form).getByRole('button', { name: 'Add generator' }));

    expect(backend.calls('POST', 'generators/')[0]?.body).toMatchObject({ seed: 7 });
  });

  it('defines a local model without the server’s fields', async () => {
    const backend = backendWith([]);
    const form = await newGeneratorForm();
    const user = userEvent.setup();

    await user.selectOptions(within(form).getByLabelText('Kind'), 'local');
    await user.click(within(form).getByText('More settings'));
    for (const label of ['Base URL', 'API key', 'API key variable', 'Ask for all samples in one request (n)', 'Timeout (seconds)']) {
      expect(within(form).queryByLabelText(label)).not.toBeInTheDocument();
    }
    expect(within(form).getByText(/RANKWISE_GENERATOR_MODELS/)).toBeInTheDocument();
    await user.type(within(form).getByLabelText('Name'), 'qwen-local');
    await user.type(within(form).getByLabelText('Model'), 'qwen');
    await user.click(within(form).getByRole('button', { name: 'Add generator' }));

    expect(backend.calls('POST', 'generators/')[0]?.body).toEqual({
      kind: 'local', name: 'qwen-local', model: 'qwen', endpoint: 'chat', temperature: 1, top_p: 1, max_tokens: 512,
      concurrency: 8,
    });
  });

  it('edits send_n alone: the PATCH carries only send_n', async () => {
    const backend = backendWith([vllm]);
    backend.overrides.set('PATCH generators/1/', (req) => jsonResponse(200, { ...vllm, ...(req.body as Partial<Generator>) }));
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit qwen' }, LOAD));
    const form = screen.getByRole('form', { name: 'Edit qwen' });
    // Open already: the generator sets one of its settings.
    await user.click(within(form).getByLabelText('Ask for all samples in one request (n)'));
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));

    expect(backend.calls('PATCH', 'generators/1/')[0]?.body).toEqual({ send_n: false });
  });

  it('shows a refused stop string under the stop field, the section opened', async () => {
    const backend = backendWith([]);
    const tooLong = 'Ensure this field has no more than 200 characters.';
    backend.overrides.set('POST generators/', () => errorResponse(400, 'invalid', `stop.0: ${tooLong}`, { 'stop.0': [tooLong] }));
    const form = await newGeneratorForm();
    const user = userEvent.setup();

    await user.type(within(form).getByLabelText('Name'), 'x');
    await user.type(within(form).getByLabelText('Base URL'), 'http://gpu:8000/v1');
    await user.type(within(form).getByLabelText('Model'), 'm');
    await user.click(within(form).getByText('More settings'));
    await user.type(within(form).getByLabelText('Stop strings'), 'x'.repeat(30));
    await user.click(within(form).getByText('More settings'));
    expect(within(form).getByText('More settings').closest('details')).not.toHaveAttribute('open');
    await user.click(within(form).getByRole('button', { name: 'Add generator' }));

    expect(await within(form).findByText(tooLong)).toBeInTheDocument();
    expect(within(form).getByLabelText('Stop strings')).toHaveAttribute('aria-invalid', 'true');
    expect(within(form).getByText('More settings').closest('details')).toHaveAttribute('open');
  });
});

it('lists a generator’s kind, seed and send_n where set', async () => {
  backendWith([vllm, { ...vllm, id: 2, name: 'tiny', kind: 'local', base_url: '', send_n: false, seed: 7 }]);
  renderAt('/projects/5/generation');
  const list = await screen.findByRole('list', { name: 'Generators' }, LOAD);
  const [server, local] = within(list).getAllByRole('listitem');
  expect(server).toHaveTextContent('http://gpu:8000/v1');
  expect(server).toHaveTextContent('sends n');
  expect(server).not.toHaveTextContent('seed');
  expect(local).toHaveTextContent('local model');
  expect(local).toHaveTextContent('seed 7');
  expect(local).not.toHaveTextContent('sends n');
});
