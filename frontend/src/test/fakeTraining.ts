/**
 * The fake dashboard backend's training and models area: a training run advances one
 * step per poll and ends with a model; models are promoted and score completions.
 */
import type { Backbone, ModelVersion, ScoreRequest, TrainingLogLine, TrainingRunCreate, TrainingRunDetail } from '../api/training';
import { makeModel, makeRun, NOW, page, summary } from './dashboardFactories';
import { errorResponse, jsonResponse, type MockRequest, type Route } from './http';

export interface TrainingState {
  runs: TrainingRunDetail[];
  logs: Map<number, TrainingLogLine[]>;
  /** Steps a running run makes per detail request. */
  stepsPerPoll: number;
  totalSteps: number;
  models: ModelVersion[];
  /** The administrators' allowlist: offered after the default, before the project's models. */
  installedBackbones: string[];
  log(runId: number, message: string): void;
}

export function trainingRoutes(s: TrainingState): Route[] {
  return [
    ['GET', /^training-runs\/$/, () => jsonResponse(200, page([...s.runs].reverse().map(summary)))],
    ['POST', /^training-runs\/$/, (req) => startRun(s, req)],
    ['GET', /^training-runs\/(\d+)\/$/, (_req, m) => runDetail(s, Number(m[1]))],
    ['GET', /^training-runs\/(\d+)\/logs\/$/, (req, m) => runLogs(s, req, Number(m[1]))],
    ['POST', /^training-runs\/(\d+)\/cancel\/$/, (_req, m) => cancelRun(s, Number(m[1]))],
    ['POST', /^training-runs\/(\d+)\/resume\/$/, (_req, m) => resumeRun(s, Number(m[1]))],
    ['GET', /^backbones\/$/, () => jsonResponse(200, backbones(s))],
    ['GET', /^models\/$/, () => jsonResponse(200, page([...s.models].reverse()))],
    ['POST', /^models\/(\d+)\/promote\/$/, (_req, m) => promote(s, Number(m[1]))],
    ['POST', /^score\/$/, (req) => score(s, req)],
  ];
}

/** Append a line to a run's log, numbered like the server's. */
export function logLine(logs: Map<number, TrainingLogLine[]>, runId: number, message: string): void {
  const lines = logs.get(runId) ?? [];
  lines.push({ seq: lines.length + 1, at: NOW, message });
  logs.set(runId, lines);
}

function startRun(s: TrainingState, req: MockRequest): Response {
  const body = req.body as TrainingRunCreate;
  const number = s.runs.length + 1;
  const run = makeRun({
    id: 100 + number,
    number,
    dataset_version: body.dataset_version ?? 1,
    config: { ...body.config },
  });
  s.runs.push(run);
  s.log(run.id, 'Queued.');
  return jsonResponse(201, summary(run));
}

/** A running run makes `stepsPerPoll` steps per request; at the end it has a model. */
function advance(s: TrainingState, run: TrainingRunDetail): TrainingRunDetail {
  if (run.cancel_requested && (run.status === 'queued' || run.status === 'running')) {
    s.log(run.id, 'Cancelled.');
    return { ...run, status: 'cancelled', finished_at: NOW, can_resume: true };
  }
  if (run.status === 'queued') {
    s.log(run.id, 'Started on cuda:0.');
    return { ...run, status: 'running', started_at: NOW, worker: 'trainer-1', device: 'cuda:0', total_steps: s.totalSteps, eta_seconds: 90 };
  }
  if (run.status !== 'running') return run;
  const step = Math.min(run.step + s.stepsPerPoll, run.total_steps);
  const loss = 0.7 - step / 100;
  const accuracy = 0.5 + step / 100;
  s.log(run.id, `step ${step} loss ${loss.toFixed(3)}`);
  const series = {
    train: [...run.series.train, { step, loss, lr: 2e-5 }],
    eval: [...run.series.eval, { step, accuracy, log_loss: loss + 0.05 }],
  };
  if (step < run.total_steps) {
    return { ...run, step, series, eta_seconds: (run.total_steps - step) * 3 };
  }
  const model = makeModel({
    id: 200 + s.models.length + 1,
    number: s.models.length + 1,
    training_run: run.id,
    dataset_version: run.dataset_version,
    metrics: { accuracy, log_loss: loss + 0.05, ece: 0.02, kendall_tau: 0.5, human_ceiling: 0.85 },
  });
  s.models.push(model);
  s.log(run.id, 'Finished.');
  return {
    ...run,
    step,
    series,
    status: 'succeeded',
    finished_at: NOW,
    eta_seconds: null,
    metrics: model.metrics,
    model_version: model.id,
  };
}

function runDetail(s: TrainingState, id: number): Response {
  const index = s.runs.findIndex((r) => r.id === id);
  const run = s.runs[index];
  if (!run) return errorResponse(404, 'not_found', 'Not found.');
  const next = advance(s, run);
  s.runs[index] = next;
  return jsonResponse(200, next);
}

function runLogs(s: TrainingState, req: MockRequest, id: number): Response {
  const after = Number(req.url.searchParams.get('after') ?? '0');
  return jsonResponse(200, { lines: (s.logs.get(id) ?? []).filter((line) => line.seq > after) });
}

function cancelRun(s: TrainingState, id: number): Response {
  const index = s.runs.findIndex((r) => r.id === id);
  const run = s.runs[index];
  if (!run) return errorResponse(404, 'not_found', 'Not found.');
  const next = { ...run, cancel_requested: true };
  s.runs[index] = next;
  return jsonResponse(200, summary(next));
}

function resumeRun(s: TrainingState, id: number): Response {
  const index = s.runs.findIndex((r) => r.id === id);
  const run = s.runs[index];
  if (!run) return errorResponse(404, 'not_found', 'Not found.');
  if (!run.can_resume) return errorResponse(409, 'cannot_resume', 'This run has no checkpoint to resume from.');
  const next: TrainingRunDetail = { ...run, status: 'queued', cancel_requested: false, can_resume: false, finished_at: null };
  s.runs[index] = next;
  return jsonResponse(200, summary(next));
}

function backbones(s: TrainingState): Backbone[] {
  const models = [...s.models].reverse().map((m) => ({
    name: `model:${m.number}`,
    label: `Model version ${m.number}${m.is_active ? ' (active)' : ''}`,
    kind: 'model' as const,
  }));
  return [
    { name: 'default', label: 'Default MiniLM (all-MiniLM-L6-v2)', kind: 'default' },
    ...s.installedBackbones.map((name) => ({ name, label: name, kind: 'allowlist' as const })),
    ...models,
  ];
}

function promote(s: TrainingState, id: number): Response {
  const model = s.models.find((m) => m.id === id);
  if (!model) return errorResponse(404, 'not_found', 'Not found.');
  s.models = s.models.map((m) => ({ ...m, is_active: m.id === id, promoted_at: m.id === id ? NOW : m.promoted_at }));
  return jsonResponse(200, s.models.find((m) => m.id === id));
}

/** The reward of a completion is its length: longer ranks higher. */
function score(s: TrainingState, req: MockRequest): Response {
  const body = req.body as ScoreRequest;
  const active = s.models.find((m) => m.is_active);
  const model = body.model ?? active?.id;
  if (model === undefined) return errorResponse(409, 'no_active_model', 'This project has no active model yet.');
  const rewards = body.completions.map((text) => text.length / 10);
  const order = rewards.map((reward, index) => ({ reward, index })).sort((a, b) => b.reward - a.reward);
  const max = Math.max(...rewards);
  const min = Math.min(...rewards);
  const scores = body.completions.map((_, index) => ({
    index,
    reward: rewards[index] ?? 0,
    normalized: max === min ? 0.5 : ((rewards[index] ?? 0) - min) / (max - min),
    rank: order.findIndex((o) => o.index === index) + 1,
  }));
  return jsonResponse(200, { model, scores });
}
