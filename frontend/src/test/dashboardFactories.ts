/**
 * Factories for the dashboard's API objects (runs, imports, models, dataset versions),
 * as the fake backend and the page tests build them.
 */
import type { DatasetVersion, ImportJob } from '../api/dashboard';
import type { ModelVersion, TrainingRun, TrainingRunDetail } from '../api/training';

export const NOW = '2025-03-04T12:00:00Z';

export function page<T>(results: T[]) {
  return { count: results.length, next: null, previous: null, results };
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export function makeRun(overrides: Partial<TrainingRunDetail> = {}): TrainingRunDetail {
  return {
    id: 1,
    number: 1,
    status: 'queued',
    trigger: 'manual',
    cancel_requested: false,
    dataset_version: 1,
    config: { mode: 'full' },
    created_by: 'alice',
    created_at: NOW,
    started_at: null,
    finished_at: null,
    heartbeat_at: null,
    worker: '',
    device: '',
    step: 0,
    total_steps: 0,
    eta_seconds: null,
    metrics: {},
    best_step: null,
    error: '',
    failure: '',
    model_version: null,
    can_resume: false,
    backbone_label: 'all-MiniLM-L6-v2 (default)',
    series: { train: [], eval: [] },
    attempts: [],
    // As the server lists them: here every key of the config is one the form offers.
    chosen_settings: Object.keys(overrides.config ?? { mode: 'full' }),
    ...overrides,
  };
}

export function makeImportJob(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    id: 90,
    status: 'queued',
    file_name: 'items.jsonl',
    file_size: 5_000_000,
    skip_invalid: false,
    source: '',
    rows_read: 0,
    rows_stored: 0,
    rows_rejected: 0,
    cancel_requested: false,
    report: null,
    errors: [],
    error_total: 0,
    error: '',
    created_at: NOW,
    started_at: null,
    finished_at: null,
    ...overrides,
  };
}

export function makeModel(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    id: 1,
    number: 1,
    training_run: 1,
    dataset_version: 1,
    metrics: { accuracy: 0.71, log_loss: 0.58, kendall_tau: 0.42, ece: 0.03 },
    reward_mean: 0,
    reward_std: 1,
    is_active: false,
    created_at: NOW,
    promoted_at: null,
    decision: '',
    ...overrides,
  };
}

export function makeVersion(overrides: Partial<DatasetVersion> = {}): DatasetVersion {
  return {
    id: 1,
    number: 1,
    name: '',
    status: 'ready',
    rule: { pairs: 'per_rater', method: 'bradley_terry', min_agreement: 0, min_raters: 1 },
    seed: 0,
    split: { train: 0.8, validation: 0.1, test: 0.1 },
    content_hash: 'ab12cd34',
    counts: {
      pairs: 120,
      prompts: 40,
      rankings: 60,
      splits: {
        train: { pairs: 96, prompts: 32 },
        validation: { pairs: 12, prompts: 4 },
        test: { pairs: 12, prompts: 4 },
      },
    },
    error: '',
    created_by: 1,
    created_at: NOW,
    ...overrides,
  };
}

/** What list, start, cancel and resume answer: the run without its series. */
export function summary(run: TrainingRunDetail): TrainingRun {
  const copy: Partial<Writable<TrainingRunDetail>> = { ...run };
  delete copy.series;
  return copy as TrainingRun;
}
