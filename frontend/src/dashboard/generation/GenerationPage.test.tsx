import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { GenerationJob, Generator, Leaderboard } from '../../api/generation';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { errorResponse, jsonResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

const NOW = '2025-03-01T10:00:00Z';

const generator: Generator = {
  id: 1, name: 'qwen', kind: 'openai', base_url: 'http://gpu:8000/v1', model: 'Qwen', endpoint: 'chat',
  api_key_env: '', temperature: 0.8, top_p: 1, max_tokens: 256, stop: [], seed: null, send_n: true,
  concurrency: 64, timeout_seconds: 120, has_api_key: true, created_at: NOW, updated_at: NOW,
};

function job(overrides: Partial<GenerationJob> = {}): GenerationJob {
  return {
    id: 9, status: 'queued', plan: [{ generator: 1, name: 'qwen', samples: 2 }], prompts_total: 3,
    samples_total: 6, samples_done: 0, samples_failed: 0, duplicates: 0, prompts_released: 0, usage: {},
    cancel_requested: false, error: '', worker: '', worker_losses: 0, created_by: 'alice', created_at: NOW, started_at: null,
    heartbeat_at: null, finished_at: null, eta_seconds: null, stalled: false, ...overrides,
  };
}

const board: Leaderboard = {
  models: ['falcon', 'gpt4'],
  standings: [
    { model: 'gpt4', rating: 1150.4, lower: 1100.2, upper: 1200.9, wins: 9, games: 10 },
    { model: 'falcon', rating: 849.6, lower: 799.1, upper: 899.8, wins: 1, games: 10 },
  ],
  win_rate: [[null, 0.1], [0.9, null]],
  games_between: [[0, 10], [10, 0]],
  prompts: 10,
  games: 10,
  category: '',
  categories: [],
};

function backendWithGeneration(): FakeDashboardBackend {
  const backend = new FakeDashboardBackend();
  const jobs: GenerationJob[] = [];
  let generators = [generator, { ...generator, id: 2, name: 'llama', model: 'Llama', has_api_key: false }];
  backend.overrides.set('GET generators/', () => jsonResponse(200, generators));
  backend.overrides.set('PATCH generators/1/', (req) => {
    generators = generators.map((g) => (g.id === 1 ? { ...g, ...(req.body as Partial<Generator>) } : g));
    return jsonResponse(200, generators[0]);
  });
  backend.overrides.set('DELETE generators/2/', () => {
    generators = generators.filter((g) => g.id !== 2);
    return jsonResponse(204);
  });
  backend.overrides.set('GET generation-jobs/', () => jsonResponse(200, jobs));
  backend.overrides.set('POST generation-jobs/', () => {
    const started = job();
    jobs.unshift(job({ status: 'succeeded', samples_done: 6, prompts_released: 3 }));
    return jsonResponse(201, started);
  });
  backend.overrides.set('GET leaderboard/', () => jsonResponse(200, board));
  backend.overrides.set('POST generators/1/try/', () =>
    jsonResponse(200, { ok: true, text: 'Hello!', finish_reason: 'stop', prompt_tokens: 4, completion_tokens: 2, latency_ms: 31, model: 'Qwen', error: '' }),
  );
  return backend;
}

describe('GenerationPage', () => {
  it('tries a generator, starts a job from samples per generator and shows the leaderboard', async () => {
    const backend = backendWithGeneration();
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Try qwen' }, LOAD));
    expect(await screen.findByText('Hello!')).toBeInTheDocument();

    await user.clear(screen.getByLabelText('Samples from qwen'));
    await user.type(screen.getByLabelText('Samples from qwen'), '2');
    await user.click(screen.getByRole('button', { name: 'Start generating' }));
    expect(backend.calls('POST', 'generation-jobs/')[0]?.body).toEqual({ plan: [{ generator: 1, samples: 2 }] });
    const jobs = screen.getByRole('table', { name: 'Generation jobs' });
    expect(await within(jobs).findByText('6 / 6')).toBeInTheDocument();

    const standings = within(screen.getByRole('table', { name: 'Model leaderboard' })).getAllByRole('row');
    expect(standings.map((row) => row.textContent)).toEqual([
      'ModelRating95% intervalWinsGames',
      'gpt411501100–1201910',
      'falcon850799–900110',
    ]);
  });

  it('asks again for the samples that failed', async () => {
    const backend = backendWithGeneration();
    const failed = job({ status: 'succeeded', samples_done: 4, samples_failed: 2 });
    backend.overrides.set('GET generation-jobs/', () => jsonResponse(200, [failed]));
    backend.overrides.set('POST generation-jobs/9/retry-failed/', () =>
      jsonResponse(200, { retried: 2, job: { ...failed, status: 'queued' } }),
    );
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Retry 2 failed' }, LOAD));
    expect(backend.calls('POST', 'generation-jobs/9/retry-failed/')).toHaveLength(1);
    const jobs = screen.getByRole('table', { name: 'Generation jobs' });
    expect(await within(jobs).findByText('queued')).toBeInTheDocument();
  });

  it('says why a job whose worker was lost is queued again, and after it ends that it was', async () => {
    const backend = backendWithGeneration();
    const note = 'The worker gpu-1 stopped reporting at 2025-03-01 09:58:00 UTC (worker lost 1 time). Resumed automatically with its pending samples.';
    backend.overrides.set('GET generation-jobs/', () =>
      jsonResponse(200, [job({ id: 9, error: note, worker_losses: 1 }), job({ id: 8, status: 'succeeded', worker_losses: 2 })]),
    );
    renderAt('/projects/5/generation');

    const jobs = await screen.findByRole('table', { name: 'Generation jobs' }, LOAD);
    expect(await within(jobs).findByText(note)).toBeInTheDocument();
    expect(within(jobs).getByText('Resumed after losing its worker 2×')).toBeInTheDocument();
  });

  it('shows a refused generator’s error next to its field', async () => {
    const backend = backendWithGeneration();
    backend.overrides.set('POST generators/', () =>
      errorResponse(400, 'invalid', 'base_url: Give an http:// or https:// URL with a host.', {
        base_url: ['Give an http:// or https:// URL with a host.'],
      }),
    );
    renderAt('/projects/5/generation');
    const user = userEvent.setup();
    const form = await screen.findByRole('form', { name: 'New generator' }, LOAD);
    await user.type(within(form).getByLabelText('Name'), 'x');
    await user.type(within(form).getByLabelText('Base URL'), 'ftp://nowhere');
    await user.type(within(form).getByLabelText('Model'), 'm');
    await user.click(within(form).getByRole('button', { name: 'Add generator' }));
    expect(await within(form).findByText('Give an http:// or https:// URL with a host.')).toBeInTheDocument();
    expect(within(form).getByLabelText('Base URL')).toHaveAttribute('aria-invalid', 'true');
  });

  it('edits a generator: sends only what changed, keeps the stored key, and lists the new values', async () => {
    const backend = backendWithGeneration();
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit qwen' }, LOAD));
    const form = screen.getByRole('form', { name: 'Edit qwen' });
    expect(within(form).getByLabelText('Model')).toHaveValue('Qwen');
    expect(within(form).getByText(/A key is stored. Leave this empty to keep it/)).toBeInTheDocument();
    await user.clear(within(form).getByLabelText('Temperature'));
    await user.type(within(form).getByLabelText('Temperature'), '0.3');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));

    expect(backend.calls('PATCH', 'generators/1/')[0]?.body).toEqual({ temperature: 0.3 });
    const list = screen.getByRole('list', { name: 'Generators' });
    expect(await within(list).findByText(/temperature 0.3/)).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: 'Edit qwen' })).not.toBeInTheDocument();
    await waitFor(() => {
      expect(backend.calls('GET', 'generators/')).toHaveLength(2); // refreshed after the save
    });
  });

  it('removes the stored key only when asked to', async () => {
    const backend = backendWithGeneration();
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit qwen' }, LOAD));
    const form = screen.getByRole('form', { name: 'Edit qwen' });
    await user.click(within(form).getByLabelText('Remove the stored key'));
    expect(within(form).getByLabelText('API key')).toBeDisabled();
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(backend.calls('PATCH', 'generators/1/')[0]?.body).toEqual({ api_key: '' });
  });

  it('shows a refused edit’s error next to its field, and cancel sends nothing', async () => {
    const backend = backendWithGeneration();
    backend.overrides.set('PATCH generators/1/', () =>
      errorResponse(400, 'invalid', 'temperature: Ensure this value is less than or equal to 2.0.', {
        temperature: ['Ensure this value is less than or equal to 2.0.'],
      }),
    );
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Edit qwen' }, LOAD));
    const form = screen.getByRole('form', { name: 'Edit qwen' });
    await user.clear(within(form).getByLabelText('Temperature'));
    await user.type(within(form).getByLabelText('Temperature'), '9');
    await user.click(within(form).getByRole('button', { name: 'Save changes' }));
    expect(await within(form).findByText('Ensure this value is less than or equal to 2.0.')).toBeInTheDocument();
    expect(within(form).getByLabelText('Temperature')).toHaveAttribute('aria-invalid', 'true');

    await user.click(within(form).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('form', { name: 'Edit qwen' })).not.toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Generators' })).toHaveTextContent('temperature 0.8');
    expect(backend.calls('PATCH', 'generators/1/')).toHaveLength(1);
  });

  it('deletes a generator after asking, and the row goes', async () => {
    const backend = backendWithGeneration();
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Delete llama' }, LOAD));
    const dialog = screen.getByRole('dialog', { name: 'Delete llama?' });
    expect(backend.calls('DELETE', 'generators/2/')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Delete generator' }));

    expect(backend.calls('DELETE', 'generators/2/')).toHaveLength(1);
    await waitFor(() => {
      expect(screen.queryByRole('button', { name: 'Try llama' })).not.toBeInTheDocument();
    });
    expect(screen.getByRole('button', { name: 'Try qwen' })).toBeInTheDocument();
  });

  it('keeps a generator that wrote completions, and says why', async () => {
    const backend = backendWithGeneration();
    const why = 'This generator has written completions: its provenance needs it. Keep it.';
    backend.overrides.set('DELETE generators/1/', () => errorResponse(409, 'generator_in_use', why));
    renderAt('/projects/5/generation');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Delete qwen' }, LOAD));
    await user.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Delete generator' }));

    expect(await screen.findByRole('alert')).toHaveTextContent(why);
    expect(screen.getByRole('button', { name: 'Try qwen' })).toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
