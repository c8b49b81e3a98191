import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import type { EvaluationMetrics, EvaluationSet, EvaluationSetDetail, EvaluationVersionResult } from '../../api/evaluation';
import { FakeDashboardBackend, makeModel } from '../../test/dashboardBackend';
import { NOW } from '../../test/dashboardFactories';
import { errorResponse, jsonResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

function metrics(accuracy: number): EvaluationMetrics {
  return {
    items: 60,
    pairs: 60,
    accuracy,
    model_ties: 0,
    human_ties: 0,
    human_tie_gap: null,
    mean_margin: 0.8,
    ece: 0.05,
    best_of_n_items: 0,
    best_of_n_accuracy: null,
    spearman: null,
    kendall: null,
    length_correlation: 0.12,
  };
}

const SET: EvaluationSet = {
  id: 9,
  name: 'rewardbench-chat',
  file_name: 'rb.parquet',
  kind: 'pairs',
  category_key: 'subset',
  sha256: 'ab'.repeat(32),
  counts: { items: 60, pairs: 60, categories: { 'alpacaeval-easy': 30, 'mt-bench-hard': 30 } },
  gates_promotion: false,
  created_by: 'alice',
  created_at: NOW,
};

function result(number: number, accuracy: number, extra: Partial<EvaluationVersionResult> = {}): EvaluationVersionResult {
  return {
    model: 200 + number,
    number,
    is_active: number === 1,
    baseline: null,
    comparisons: {},
    regressions: [],
    evaluation: {
      id: 300 + number,
      status: 'succeeded',
      attempts: 1,
      items_scored: 60,
      metrics: { overall: metrics(accuracy), categories: { 'alpacaeval-easy': metrics(accuracy), 'mt-bench-hard': metrics(accuracy) } },
      error: '',
      worker: 'gpu-1:42',
      queued_at: NOW,
      started_at: NOW,
      finished_at: NOW,
    },
    ...extra,
  };
}

const DROP = {
  scope: 'overall',
  metric: 'accuracy' as const,
  baseline: 0.95,
  candidate: 0.5,
  delta: -0.45,
  low: -0.58,
  high: -0.32,
  level: 0.95,
  regression: true,
};

function detail(gates: boolean): EvaluationSetDetail {
  return {
    ...SET,
    gates_promotion: gates,
    results: [result(2, 0.5, { baseline: 1, regressions: [DROP], comparisons: { overall: [DROP] } }), result(1, 0.95)],
  };
}

function withSet(): FakeDashboardBackend {
  const backend = new FakeDashboardBackend();
  backend.models = [makeModel({ id: 201, number: 1, is_active: true }), makeModel({ id: 202, number: 2 })];
  backend.evaluationSets = [SET];
  backend.overrides.set('GET evaluation-sets/9/', () => jsonResponse(200, detail(false)));
  return backend;
}

describe('EvaluationSets', () => {
  it('compares every model version on a set and flags a regression', async () => {
    withSet();
    renderAt('/projects/5/models');

    const whole = await screen.findByRole('table', { name: 'Evaluation results: Whole set' }, LOAD);
    const newer = within(whole).getByRole('row', { name: 'Model version 2' });
    expect(newer).toHaveTextContent('50.0%');
    expect(newer).toHaveTextContent('Regression: accuracy −45.0 pts against model 1');
    const older = within(whole).getByRole('row', { name: 'Model version 1' });
    expect(older).toHaveTextContent('95.0%');
    expect(older).toHaveTextContent('Active');
    expect(screen.getByText('alpacaeval-easy (30 items)')).toBeInTheDocument();
  });

  it('makes a set gate promotion and shows why a promotion was refused', async () => {
    const backend = withSet();
    backend.overrides.set('PATCH evaluation-sets/9/', () => jsonResponse(200, detail(true)));
    backend.overrides.set('POST models/202/promote/', () =>
      errorResponse(409, 'promotion_blocked', 'Model 2 fails the promotion gate on rewardbench-chat.', {
        'rewardbench-chat': ['overall accuracy: 0.5000 against 0.9500 of model 1'],
      }),
    );
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    const panel = await screen.findByRole('article', { name: 'Evaluation set rewardbench-chat' }, LOAD);
    const gate = await within(panel).findByRole('checkbox', { name: 'Gate promotion on this set' });
    await user.click(gate);
    expect(await within(panel).findByRole('checkbox', { name: 'Gate promotion on this set' })).toBeChecked();
    expect(backend.calls('PATCH', 'evaluation-sets/9/')[0]?.body).toEqual({ gates_promotion: true });

    await user.click(screen.getByRole('button', { name: 'Promote model version 2' }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Model 2 fails the promotion gate on rewardbench-chat.');
    expect(alert).toHaveTextContent('rewardbench-chat: overall accuracy: 0.5000 against 0.9500 of model 1');
  });

  it('uploads a set and lists it, or shows the line the server refused', async () => {
    const backend = new FakeDashboardBackend();
    let refuse = true;
    backend.overrides.set('POST evaluation-sets/', () =>
      refuse
        ? errorResponse(400, 'invalid', 'line 2: rejected: This field is required.', {
            file: ['line 2: rejected: This field is required.'],
          })
        : jsonResponse(201, { ...SET, id: 10, name: 'held-out', counts: { items: 2, pairs: 2, categories: {} } }),
    );
    backend.overrides.set('GET evaluation-sets/10/', () => jsonResponse(200, { ...SET, id: 10, name: 'held-out', results: [] }));
    renderAt('/projects/5/models');
    const user = userEvent.setup();

    await screen.findByText('No evaluation sets yet.', {}, LOAD);
    await user.click(screen.getByText('Upload an evaluation set'));
    const form = screen.getByRole('form', { name: 'Upload an evaluation set' });
    await user.type(within(form).getByLabelText('Name'), 'held-out');
    const file = new File(['{"prompt": "p", "chosen": "a"}\n'], 'held-out.jsonl', { type: 'application/jsonl' });
    await user.upload(within(form).getByLabelText('File'), file);
    await user.click(within(form).getByRole('button', { name: 'Upload set' }));
    await vi.waitFor(() => { expect(backend.calls('POST', 'evaluation-sets/')).toHaveLength(1); });
    expect(await within(form).findByText('line 2: rejected: This field is required.')).toBeInTheDocument();

    refuse = false;
    await user.click(within(form).getByRole('button', { name: 'Upload set' }));
    expect(await screen.findByRole('article', { name: 'Evaluation set held-out' })).toBeInTheDocument();
    const sent = backend.calls('POST', 'evaluation-sets/')[1]?.form;
    expect(sent?.get('name')).toBe('held-out');
    expect(sent?.get('category_key')).toBe('subset');
    expect(sent?.get('gates_promotion')).toBe('false');
  });
});
