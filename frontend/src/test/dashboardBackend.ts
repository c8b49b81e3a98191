/**
 * A fake Rankwise backend for dashboard tests: the researcher's endpoints with
 * just enough behaviour to follow things over time (a dataset version builds,
 * an export runs, a training run advances one step per poll and ends with a model).
 * The state is here, for tests to set and read; each area's routes are in its module
 * (fakeDatasets, fakeTraining, fakeMembers, fakeImports).
 */
import type { Project, ProjectRole } from '../api/client';
import type { EvaluationSet } from '../api/evaluation';
import type { AgreementReport, DatasetVersion, ExportJob, FlaggedItem, ImportJob, Member } from '../api/dashboard';
import type { Activity, ModelVersion, TrainingLogLine, TrainingRunDetail } from '../api/training';
import { makeImportJob, makeModel, makeRun, makeVersion, NOW } from './dashboardFactories';
import { datasetRoutes, type DatasetsState } from './fakeDatasets';
import { importRoutes, type ImportsState } from './fakeImports';
import { memberRoutes, type MembersState } from './fakeMembers';
import { logLine, trainingRoutes, type TrainingState } from './fakeTraining';
import { alice, errorResponse, jsonResponse, makeProgress, makeProject, mockFetch, projectPage, type MockRequest, type Route } from './http';

export { makeImportJob, makeModel, makeRun, makeVersion };

export class FakeDashboardBackend implements DatasetsState, TrainingState, MembersState, ImportsState {
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
  /** The models page lists them; tests of a set's results add its other routes as overrides. */
  evaluationSets: EvaluationSet[] = [];
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
    logLine(this.logs, runId, message);
  }

  private routes(): Route[] {
    return [
      ['GET', /^$/, () => jsonResponse(200, this.project)],
      ['GET', /^progress\/$/, () => jsonResponse(200, makeProgress({ items_total: 40, items_complete: 10 }))],
      ['GET', /^agreement\/$/, () => jsonResponse(200, this.agreement)],
      ['GET', /^activity\/$/, () => jsonResponse(200, this.activity)],
      ['GET', /^evaluation-sets\/$/, () => jsonResponse(200, this.evaluationSets)],
      ...datasetRoutes(this),
      ...trainingRoutes(this),
      ...memberRoutes(this),
      ...importRoutes(this),
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
}
