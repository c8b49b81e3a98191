/**
 * A fake Rankwise backend for dashboard tests: the researcher's endpoints with
 * just enough behaviour to follow things over time (a dataset version builds,
 * an export runs, a training run advances one step per poll and ends with a model).
 */
import type { Project, ProjectRole } from '../api/client';
import type {
  AgreementReport,
  DatasetVersion,
  ExportJob,
  FlaggedItem,
  ImportJob,
  ImportReport,
  Member,
  MemberRole,
} from '../api/dashboard';
import type {
  Activity,
  Backbone,
  ModelVersion,
  ScoreRequest,
  TrainingLogLine,
  TrainingRunCreate,
  TrainingRunDetail,
} from '../api/training';
import { alice, errorResponse, jsonResponse, makeProgress, makeProject, mockFetch, projectPage, type MockRequest } from './http';

import { makeImportJob, makeModel, makeRun, makeVersion, NOW, page, summary } from './dashboardFactories';

export { makeImportJob, makeModel, makeRun, makeVersion };

type Handler = (req: MockRequest, match: RegExpExecArray) => Response | Promise<Response>;

export class FakeDashboardBackend {
  readonly projectId = 5;
  readonly requests: MockRequest[];
  project: Project;
  agreement: AgreementReport = {
    project: {
      krippendorff_alpha: 0.61,
      pairwise_agreement: 0.78,
      mean_kendall_w: 0.7,
      prompts: 40,
      multi_rated_prompts: 20,
      rankings: 60,
      annotators: 2,
      consensus_prompts: 20,
    },
    annotators: [
      {
        annotator_id: 1,
        username: 'alice',
        rankings: 35,
        consensus_agreement: 0.82,
        compared_pairs: 120,
        gold_rankings: 4,
        gold_accuracy: 0.75,
        position_bias: 0.4,
        position_chance: 0.25,
        length_bias: 0.55,
        median_time_ms: 42_000,
      },
    ],
  };
  activity: Activity = {
    days: [
      { day: '2025-03-01', rankings: 12, annotators: 2, pairwise_agreement: 0.7 },
      { day: '2025-03-02', rankings: 30, annotators: 3, pairwise_agreement: null },
      { day: '2025-03-03', rankings: 18, annotators: 2, pairwise_agreement: 0.8 },
    ],
  };
  reviews: FlaggedItem[] = [];
  versions: DatasetVersion[] = [];
  /** Polls of a building version before it is done. */
  buildPolls = 1;
  /** How a build ends: ready, or failed with this error. */
  buildError: string | null = null;
  exports: ExportJob[] = [];
  /** `POST imports/` answers 202 with a job, as for a file over the sync size. */
  importAsJob = false;
  importJobs: ImportJob[] = [];
  runs: TrainingRunDetail[] = [];
  logs = new Map<number, TrainingLogLine[]>();
  /** Steps a running run makes per detail request. */
  stepsPerPoll = 10;
  totalSteps = 30;
  models: ModelVersion[] = [];
  /** The administrators' allowlist: offered after the default, before the project's models. */
  installedBackbones = ['deberta-v3-small'];
  members: Member[] = [
    { id: 1, user_id: 1, username: 'alice', display_name: 'Alice Liddell', email: '', role: 'admin', created_at: NOW },
    { id: 2, user_id: 2, username: 'bob', display_name: 'bob', email: '', role: 'annotator', created_at: NOW },
  ];
  /** Users who exist (and so can be added). */
  users = new Set(['alice', 'bob', 'carol']);
  /** Tried before the defaults: `"POST datasets/"` → handler (paths after the project's). */
  readonly overrides = new Map<string, (req: MockRequest) => Response | Promise<Response>>();

  constructor(role: ProjectRole = 'researcher') {
    this.project = makeProject({ id: this.projectId, role });
    const { requests } = mockFetch((req) => this.handle(req));
    this.requests = requests;
  }

  /** Requests to a path under the project (`"training-runs/1/logs/"`). */
  calls(method: string, path: string): MockRequest[] {
    const full = `/api/v1/projects/${this.projectId}/${path}`;
    return this.requests.filter((r) => r.method === method && r.url.pathname === full);
  }

  log(runId: number, message: string): void {
    const lines = this.logs.get(runId) ?? [];
    lines.push({ seq: lines.length + 1, at: NOW, message });
    this.logs.set(runId, lines);
  }

  private routes(): [string, RegExp, Handler][] {
    return [
      ['GET', /^$/, () => jsonResponse(200, this.project)],
      ['GET', /^progress\/$/, () => jsonResponse(200, makeProgress({ items_total: 40, items_complete: 10 }))],
      ['GET', /^agreement\/$/, () => jsonResponse(200, this.agreement)],
      ['GET', /^activity\/$/, () => jsonResponse(200, this.activity)],
      ['GET', /^reviews\/$/, () => jsonResponse(200, page(this.reviews))],
      ['POST', /^reviews\/(\d+)\/$/, (req, m) => this.review(req, Number(m[1]))],
      ['GET', /^datasets\/$/, () => jsonResponse(200, page([...this.versions].sort((a, b) => b.number - a.number)))],
      ['POST', /^datasets\/$/, (req) => this.createVersion(req)],
      ['POST', /^datasets\/preview\/$/, (req) => this.previewVersion(req)],
      ['GET', /^datasets\/(\d+)\/$/, (_req, m) => this.version(Number(m[1]))],
      ['POST', /^datasets\/(\d+)\/exports\/$/, (req, m) => this.startExport(req, Number(m[1]))],
      ['GET', /^exports\/(\d+)\/$/, (_req, m) => this.exportJob(Number(m[1]))],
      ['GET', /^training-runs\/$/, () => jsonResponse(200, page([...this.runs].reverse().map(summary)))],
      ['POST', /^training-runs\/$/, (req) => this.startRun(req)],
      ['GET', /^training-runs\/(\d+)\/$/, (_req, m) => this.runDetail(Number(m[1]))],
      ['GET', /^training-runs\/(\d+)\/logs\/$/, (req, m) => this.runLogs(req, Number(m[1]))],
      ['POST', /^training-runs\/(\d+)\/cancel\/$/, (_req, m) => this.cancelRun(Number(m[1]))],
      ['POST', /^training-runs\/(\d+)\/resume\/$/, (_req, m) => this.resumeRun(Number(m[1]))],
      ['GET', /^backbones\/$/, () => jsonResponse(200, this.backbones())],
      ['GET', /^models\/$/, () => jsonResponse(200, page([...this.models].reverse()))],
      ['POST', /^models\/(\d+)\/promote\/$/, (_req, m) => this.promote(Number(m[1]))],
      ['POST', /^score\/$/, (req) => this.score(req)],
      ['GET', /^members\/$/, () => jsonResponse(200, this.members)],
      ['POST', /^members\/$/, (req) => this.addMember(req)],
      ['PATCH', /^members\/(\d+)\/$/, (req, m) => this.changeRole(req, Number(m[1]))],
      ['DELETE', /^members\/(\d+)\/$/, (_req, m) => this.removeMember(Number(m[1]))],
      ['POST', /^members\/(\d+)\/password\/$/, (req) => this.resetPassword(req)],
      ['POST', /^users\/$/, (req) => this.createUser(req)],
      ['POST', /^imports\/$/, (req) => (this.importAsJob ? this.startImport(req) : this.importReport())],
      ['GET', /^imports\/$/, () => jsonResponse(200, page([...this.importJobs].reverse()))],
      ['GET', /^imports\/(\d+)\/$/, (_req, m) => this.importJob(Number(m[1]))],
      ['POST', /^imports\/(\d+)\/cancel\/$/, (_req, m) => this.cancelImport(Number(m[1]))],
    ];
  }

  private handle(req: MockRequest): Response | Promise<Response> {
    document.cookie = 'csrftoken=abc';
    const path = req.url.pathname;
    if (path === '/api/v1/auth/session/') return jsonResponse(200, { user: alice });
    if (path === '/api/v1/projects/') return jsonResponse(200, projectPage([this.project]));
    const base = `/api/v1/projects/${this.projectId}/`;
    if (!path.startsWith(base) && path !== base.slice(0, -1)) return errorResponse(404, 'not_found', 'Not found.');
    const rest = path.slice(base.length);
    const override = this.overrides.get(`${req.method} ${rest}`);
    if (override) return override(req);
    for (const [method, pattern, handler] of this.routes()) {
      const match = pattern.exec(rest);
      if (match && method === req.method) return handler(req, match);
    }
    return errorResponse(404, 'not_found', 'Not found.');
  }

  private review(req: MockRequest, id: number): Response {
    const item = this.reviews.find((r) => r.id === id);
    if (!item) return errorResponse(404, 'not_found', 'Not found.');
    this.reviews = this.reviews.filter((r) => r.id !== id);
    const body = req.body as { review_status: 'resolved' | 'dismissed' };
    return jsonResponse(200, { ...item, review_status: body.review_status });
  }

  /** 40 eligible prompts of 3 pairs each, shared out by the requested split. */
  private previewVersion(req: MockRequest): Response {
    const split = (req.body as { split?: Record<'train' | 'validation' | 'test', number> }).split;
    const shares = split ?? { train: 0.8, validation: 0.1, test: 0.1 };
    const counts = (share: number) => ({ prompts: Math.round(40 * share), pairs: 3 * Math.round(40 * share) });
    return jsonResponse(200, {
      train: counts(shares.train),
      validation: counts(shares.validation),
      test: counts(shares.test),
    });
  }

  private createVersion(req: MockRequest): Response {
    const body = req.body as Record<string, unknown>;
    const number = this.versions.length + 1;
    const version = makeVersion({
      id: number,
      number,
      name: typeof body.name === 'string' ? body.name : '',
      status: 'building',
      rule: { pairs: body.pairs, method: body.method, min_agreement: body.min_agreement },
      seed: typeof body.seed === 'number' ? body.seed : 0,
      split: body.split,
      content_hash: '',
      counts: {},
    });
    this.versions.push(version);
    return jsonResponse(202, version);
  }

  private version(number: number): Response {
    const index = this.versions.findIndex((v) => v.number === number);
    const version = this.versions[index];
    if (!version) return errorResponse(404, 'not_found', 'Not found.');
    if (version.status === 'building') {
      if (this.buildPolls > 0) this.buildPolls -= 1;
      else {
        const done =
          this.buildError === null
            ? makeVersion({ ...version, status: 'ready', content_hash: 'f00dfeed', counts: makeVersion().counts })
            : { ...version, status: 'failed' as const, error: this.buildError };
        this.versions[index] = done;
        return jsonResponse(200, done);
      }
    }
    return jsonResponse(200, version);
  }

  private startExport(req: MockRequest, number: number): Response {
    const body = req.body as { format: ExportJob['format'] };
    const job: ExportJob = {
      id: 70 + this.exports.length,
      version: number,
      format: body.format,
      status: 'queued',
      rows_total: 0,
      rows_done: 0,
      error: '',
      created_at: NOW,
      finished_at: null,
      download_url: null,
    };
    this.exports.push(job);
    return jsonResponse(202, job);
  }

  /** queued → running half way → succeeded, one step per request. */
  private exportJob(id: number): Response {
    const index = this.exports.findIndex((j) => j.id === id);
    const job = this.exports[index];
    if (!job) return errorResponse(404, 'not_found', 'Not found.');
    const next: ExportJob =
      job.status === 'queued'
        ? { ...job, status: 'running', rows_total: 120, rows_done: 60 }
        : job.status === 'running'
          ? {
              ...job,
              status: 'succeeded',
              rows_done: 120,
              finished_at: NOW,
              download_url: `http://testserver/api/v1/projects/5/exports/${id}/download/`,
            }
          : job;
    this.exports[index] = next;
    return jsonResponse(200, next);
  }

  private startRun(req: MockRequest): Response {
    const body = req.body as TrainingRunCreate;
    const number = this.runs.length + 1;
    const run = makeRun({
      id: 100 + number,
      number,
      dataset_version: body.dataset_version ?? 1,
      config: { ...body.config },
    });
    this.runs.push(run);
    this.log(run.id, 'Queued.');
    return jsonResponse(201, summary(run));
  }

  /** A running run makes `stepsPerPoll` steps per request; at the end it has a model. */
  private advance(run: TrainingRunDetail): TrainingRunDetail {
    if (run.cancel_requested && (run.status === 'queued' || run.status === 'running')) {
      this.log(run.id, 'Cancelled.');
      return { ...run, status: 'cancelled', finished_at: NOW, can_resume: true };
    }
    if (run.status === 'queued') {
      this.log(run.id, 'Started on cuda:0.');
      return { ...run, status: 'running', started_at: NOW, worker: 'trainer-1', device: 'cuda:0', total_steps: this.totalSteps, eta_seconds: 90 };
    }
    if (run.status !== 'running') return run;
    const step = Math.min(run.step + this.stepsPerPoll, run.total_steps);
    const loss = 0.7 - step / 100;
    const accuracy = 0.5 + step / 100;
    this.log(run.id, `step ${step} loss ${loss.toFixed(3)}`);
    const series = {
      train: [...run.series.train, { step, loss, lr: 2e-5 }],
      eval: [...run.series.eval, { step, accuracy, log_loss: loss + 0.05 }],
    };
    if (step < run.total_steps) {
      return { ...run, step, series, eta_seconds: (run.total_steps - step) * 3 };
    }
    const model = makeModel({
      id: 200 + this.models.length + 1,
      number: this.models.length + 1,
      training_run: run.id,
      dataset_version: run.dataset_version,
      metrics: { accuracy, log_loss: loss + 0.05, ece: 0.02, kendall_tau: 0.5, human_ceiling: 0.85 },
    });
    this.models.push(model);
    this.log(run.id, 'Finished.');
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

  private runDetail(id: number): Response {
    const index = this.runs.findIndex((r) => r.id === id);
    const run = this.runs[index];
    if (!run) return errorResponse(404, 'not_found', 'Not found.');
    const next = this.advance(run);
    this.runs[index] = next;
    return jsonResponse(200, next);
  }

  private runLogs(req: MockRequest, id: number): Response {
    const after = Number(req.url.searchParams.get('after') ?? '0');
    return jsonResponse(200, { lines: (this.logs.get(id) ?? []).filter((line) => line.seq > after) });
  }

  private cancelRun(id: number): Response {
    const index = this.runs.findIndex((r) => r.id === id);
    const run = this.runs[index];
    if (!run) return errorResponse(404, 'not_found', 'Not found.');
    const next = { ...run, cancel_requested: true };
    this.runs[index] = next;
    return jsonResponse(200, summary(next));
  }

  private resumeRun(id: number): Response {
    const index = this.runs.findIndex((r) => r.id === id);
    const run = this.runs[index];
    if (!run) return errorResponse(404, 'not_found', 'Not found.');
    if (!run.can_resume) return errorResponse(409, 'cannot_resume', 'This run has no checkpoint to resume from.');
    const next: TrainingRunDetail = { ...run, status: 'queued', cancel_requested: false, can_resume: false, finished_at: null };
    this.runs[index] = next;
    return jsonResponse(200, summary(next));
  }

  private backbones(): Backbone[] {
    const models = [...this.models].reverse().map((m) => ({
      name: `model:${m.number}`,
      label: `Model version ${m.number}${m.is_active ? ' (active)' : ''}`,
      kind: 'model' as const,
    }));
    return [
      { name: 'default', label: 'Default MiniLM (all-MiniLM-L6-v2)', kind: 'default' },
      ...this.installedBackbones.map((name) => ({ name, label: name, kind: 'allowlist' as const })),
      ...models,
    ];
  }

  private promote(id: number): Response {
    const model = this.models.find((m) => m.id === id);
    if (!model) return errorResponse(404, 'not_found', 'Not found.');
    this.models = this.models.map((m) => ({ ...m, is_active: m.id === id, promoted_at: m.id === id ? NOW : m.promoted_at }));
    return jsonResponse(200, this.models.find((m) => m.id === id));
  }

  /** The reward of a completion is its length: longer ranks higher. */
  private score(req: MockRequest): Response {
    const body = req.body as ScoreRequest;
    const active = this.models.find((m) => m.is_active);
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

  private addMember(req: MockRequest): Response {
    const body = req.body as { username: string; role: MemberRole };
    if (!this.users.has(body.username)) {
      return errorResponse(400, 'invalid', `username: No active user named '${body.username}'.`, {
        username: [`No active user named '${body.username}'.`],
      });
    }
    const existing = this.members.find((m) => m.username === body.username);
    const member: Member = existing
      ? { ...existing, role: body.role }
      : { id: this.members.length + 10, user_id: this.members.length + 10, username: body.username, display_name: body.username, email: '', role: body.role, created_at: NOW };
    this.members = existing ? this.members.map((m) => (m.id === member.id ? member : m)) : [...this.members, member];
    return jsonResponse(201, member);
  }

  private changeRole(req: MockRequest, id: number): Response {
    const member = this.members.find((m) => m.id === id);
    if (!member) return errorResponse(404, 'not_found', 'Not found.');
    const changed = { ...member, role: (req.body as { role: MemberRole }).role };
    this.members = this.members.map((m) => (m.id === id ? changed : m));
    return jsonResponse(200, changed);
  }

  /** Like the server: a typed password must pass the rules; none means one is generated. */
  private passwordProblem(password: string): Response | null {
    if (password === '' || !/^\d+$/.test(password)) return null;
    return errorResponse(400, 'invalid', 'password: This password is entirely numeric.', {
      password: ['This password is entirely numeric.'],
    });
  }

  private createUser(req: MockRequest): Response {
    const body = req.body as { username: string; email: string; role: MemberRole; password: string };
    const refused = this.passwordProblem(body.password);
    if (refused) return refused;
    const id = this.members.length + 10;
    const member: Member = { id, user_id: id, username: body.username, display_name: body.username, email: body.email, role: body.role, created_at: NOW };
    this.members = [...this.members, member];
    this.users.add(body.username);
    return jsonResponse(201, { member, generated_password: body.password === '' ? 'Generated-Pass-1' : null });
  }

  private resetPassword(req: MockRequest): Response {
    const { password } = req.body as { password: string };
    return this.passwordProblem(password) ?? jsonResponse(200, { generated_password: password === '' ? 'Generated-Pass-2' : null });
  }

  private removeMember(id: number): Response {
    this.members = this.members.filter((m) => m.id !== id);
    return jsonResponse(204);
  }

  private startImport(req: MockRequest): Response {
    const file = req.form?.get('file');
    const job = makeImportJob({
      id: 90 + this.importJobs.length,
      file_name: file instanceof File ? file.name : 'items.jsonl',
      skip_invalid: req.form?.get('skip_invalid') === 'true',
    });
    this.importJobs.push(job);
    return jsonResponse(202, job);
  }

  /** queued → running (2,000 read) → running (4,000 read) → succeeded, one step per request;
   * a job asked to cancel ends cancelled at its next step. */
  private importJob(id: number): Response {
    const index = this.importJobs.findIndex((j) => j.id === id);
    const job = this.importJobs[index];
    if (!job) return errorResponse(404, 'not_found', 'Not found.');
    let next: ImportJob = job;
    if (job.cancel_requested && (job.status === 'queued' || job.status === 'running')) {
      next = { ...job, status: 'cancelled', rows_stored: 0, finished_at: NOW };
    } else if (job.status === 'queued') {
      next = { ...job, status: 'running', started_at: NOW, rows_read: 2000, rows_stored: 1999, rows_rejected: 1 };
    } else if (job.status === 'running' && job.rows_read < 4000) {
      next = { ...job, rows_read: 4000, rows_stored: 3998, rows_rejected: 2 };
    } else if (job.status === 'running') {
      const report: ImportReport = {
        format: 'jsonl',
        kind: 'items',
        source: 'items',
        created: 4500,
        updated: 0,
        unchanged: 0,
        skipped: 2,
        errors: ['line 7: completions: This field is required.', 'line 3001: Invalid JSON: Expecting value (column 1).'],
        rankings_created: 0,
        elapsed_seconds: 12.5,
      };
      next = { ...job, status: 'succeeded', rows_read: 4502, rows_stored: 4500, report, errors: report.errors, error_total: 2, finished_at: NOW };
    }
    this.importJobs[index] = next;
    return jsonResponse(200, next);
  }

  private cancelImport(id: number): Response {
    const index = this.importJobs.findIndex((j) => j.id === id);
    const job = this.importJobs[index];
    if (!job) return errorResponse(404, 'not_found', 'Not found.');
    if (job.status !== 'queued' && job.status !== 'running') {
      return errorResponse(409, 'import_finished', 'Only a queued or running import can be cancelled.');
    }
    const next = { ...job, cancel_requested: true };
    this.importJobs[index] = next;
    return jsonResponse(200, next);
  }

  private importReport(): Response {
    const report: ImportReport = {
      format: 'jsonl',
      kind: 'items',
      source: 'items.jsonl',
      created: 3,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      errors: [],
      rankings_created: 0,
      elapsed_seconds: 0.2,
    };
    return jsonResponse(201, report);
  }
}
