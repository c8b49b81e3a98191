/**
 * The training side of the API: project activity, training runs, model versions, scoring.
 *
 * Every type comes from the generated `schema.d.ts`; only the JSON fields the schema can
 * only call `unknown` (a run's config, metrics) are given their shape here.
 */
import { API_PREFIX, request, type RequestOptions } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];

export type Activity = Schemas['Activity'];
export type ActivityDay = Activity['days'][number];
export type TrainingMode = NonNullable<Schemas['TrainingConfigInputRequest']['mode']>;
export type TrainingRunStatus = Schemas['TrainingRunStatusEnum'];
/** What a run is started with; a left-out key takes the server's default. */
export type TrainingRunConfig = Schemas['TrainingConfigInputRequest'];
export type TrainingRunCreate = Schemas['TrainingRunCreateRequest'];
/** A name `config.backbone` may take in a project: the default, an allowlisted one, a model of it. */
export type Backbone = Schemas['Backbone'];

interface JsonShapes {
  config: Record<string, unknown>;
  metrics: Record<string, number | null>;
}
export type TrainingRun = Omit<Schemas['TrainingRun'], keyof JsonShapes> & JsonShapes;
export type TrainingRunDetail = Omit<Schemas['TrainingRunDetail'], keyof JsonShapes> & JsonShapes;
export type TrainingAttempt = Schemas['TrainingAttempt'];
/** Why a failed run failed ('' when it did not fail). */
export type RunFailure = TrainingRun['failure'];
export type TrainPoint = TrainingRunDetail['series']['train'][number];
export type EvalPoint = TrainingRunDetail['series']['eval'][number];
export type TrainingRunLog = Schemas['TrainingLog'];
export type TrainingLogLine = TrainingRunLog['lines'][number];
export type PaginatedTrainingRunList = Omit<Schemas['PaginatedTrainingRunList'], 'results'> & {
  results: TrainingRun[];
};
export type ModelVersion = Omit<Schemas['ModelVersion'], 'metrics'> & Pick<JsonShapes, 'metrics'>;
export type PaginatedModelVersionList = Omit<Schemas['PaginatedModelVersionList'], 'results'> & {
  results: ModelVersion[];
};
export type ScoreRequest = Schemas['ScoreRequestRequest'];
export type ScoreResponse = Schemas['Scores'];
export type CompletionScore = ScoreResponse['scores'][number];

/** Statuses a worker may still change on its own. */
export const ACTIVE_RUN_STATUSES: ReadonlySet<TrainingRunStatus> = new Set(['queued', 'running']);

function options(signal: AbortSignal | undefined, rest: RequestOptions = {}): RequestOptions {
  return signal ? { ...rest, signal } : rest;
}

function pageQuery(page: number): RequestOptions['query'] {
  return { page: page > 1 ? page : undefined };
}

const project = (projectId: number) => `/projects/${projectId}`;

export function getActivity(projectId: number, signal?: AbortSignal): Promise<Activity> {
  return request<Activity>('GET', `${project(projectId)}/activity/`, options(signal));
}

export function listTrainingRuns(
  projectId: number,
  page = 1,
  signal?: AbortSignal,
): Promise<PaginatedTrainingRunList> {
  const path = `${project(projectId)}/training-runs/`;
  return request<PaginatedTrainingRunList>('GET', path, options(signal, { query: pageQuery(page) }));
}

export function listBackbones(projectId: number, signal?: AbortSignal): Promise<Backbone[]> {
  return request<Backbone[]>('GET', `${project(projectId)}/backbones/`, options(signal));
}

/** 409 when the project already has its limit of active runs. */
export function startTrainingRun(projectId: number, body: TrainingRunCreate): Promise<TrainingRun> {
  return request<TrainingRun>('POST', `${project(projectId)}/training-runs/`, { body });
}

export function getTrainingRun(projectId: number, runId: number, signal?: AbortSignal): Promise<TrainingRunDetail> {
  const path = `${project(projectId)}/training-runs/${runId}/`;
  return request<TrainingRunDetail>('GET', path, options(signal));
}

/** Log lines after `after` (a `seq`), or from the start. */
export function getTrainingRunLogs(
  projectId: number,
  runId: number,
  after?: number,
  signal?: AbortSignal,
): Promise<TrainingRunLog> {
  const path = `${project(projectId)}/training-runs/${runId}/logs/`;
  return request<TrainingRunLog>('GET', path, options(signal, { query: { after } }));
}

export function cancelTrainingRun(projectId: number, runId: number): Promise<TrainingRun> {
  return request<TrainingRun>('POST', `${project(projectId)}/training-runs/${runId}/cancel/`);
}

/** 409 when the run cannot be resumed, or the project already has its limit of active runs. */
export function resumeTrainingRun(projectId: number, runId: number): Promise<TrainingRun> {
  return request<TrainingRun>('POST', `${project(projectId)}/training-runs/${runId}/resume/`);
}

export function listModels(projectId: number, page = 1, signal?: AbortSignal): Promise<PaginatedModelVersionList> {
  const path = `${project(projectId)}/models/`;
  return request<PaginatedModelVersionList>('GET', path, options(signal, { query: pageQuery(page) }));
}

export function promoteModel(projectId: number, modelId: number): Promise<ModelVersion> {
  return request<ModelVersion>('POST', `${project(projectId)}/models/${modelId}/promote/`);
}

/** A plain link: the browser downloads the zip with the session cookie. */
export function modelDownloadUrl(projectId: number, modelId: number): string {
  return `${API_PREFIX}${project(projectId)}/models/${modelId}/download/`;
}

export function scoreCompletions(projectId: number, body: ScoreRequest): Promise<ScoreResponse> {
  return request<ScoreResponse>('POST', `${project(projectId)}/score/`, { body });
}
