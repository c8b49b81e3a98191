/**
 * Candidate generation: generators (OpenAI-compatible servers or local models), the jobs
 * that ask them for K completions per prompt, and the model leaderboard.
 */
import { request, type RequestOptions } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];

export type Generator = Schemas['Generator'];
export type GeneratorInput = Schemas['GeneratorInputRequest'];
/** Only the fields to change. `api_key`: absent keeps the stored key, `''` removes it. */
export type GeneratorChanges = Schemas['PatchedGeneratorInputRequest'];
export type GeneratorTry = Schemas['GeneratorTry'];
export type GenerationJob = Schemas['GenerationJob'];
export type GenerationJobDetail = Schemas['GenerationJobDetail'];
export type GenerationPlanStep = Schemas['GenerationJobCreateRequest']['plan'][number];
export type Leaderboard = Schemas['Leaderboard'];
export type Standing = Leaderboard['standings'][number];

/** Statuses a worker may still change on its own. */
export const ACTIVE_JOB_STATUSES: ReadonlySet<GenerationJob['status']> = new Set(['queued', 'running']);

function options(signal: AbortSignal | undefined, rest: RequestOptions = {}): RequestOptions {
  return signal ? { ...rest, signal } : rest;
}

const project = (projectId: number) => `/projects/${projectId}`;

export function listGenerators(projectId: number, signal?: AbortSignal): Promise<Generator[]> {
  return request<Generator[]>('GET', `${project(projectId)}/generators/`, options(signal));
}

export function createGenerator(projectId: number, body: GeneratorInput): Promise<Generator> {
  return request<Generator>('POST', `${project(projectId)}/generators/`, { body });
}

export function updateGenerator(projectId: number, generatorId: number, body: GeneratorChanges): Promise<Generator> {
  return request<Generator>('PATCH', `${project(projectId)}/generators/${generatorId}/`, { body });
}

/** Refused with a 409 (`generator_in_use`) once the generator has written completions. */
export async function deleteGenerator(projectId: number, generatorId: number): Promise<void> {
  await request<undefined>('DELETE', `${project(projectId)}/generators/${generatorId}/`);
}

export function tryGenerator(projectId: number, generatorId: number, prompt: string): Promise<GeneratorTry> {
  return request<GeneratorTry>('POST', `${project(projectId)}/generators/${generatorId}/try/`, {
    body: { prompt },
  });
}

export function listGenerationJobs(projectId: number, signal?: AbortSignal): Promise<GenerationJob[]> {
  return request<GenerationJob[]>('GET', `${project(projectId)}/generation-jobs/`, options(signal));
}

export function startGenerationJob(projectId: number, plan: GenerationPlanStep[]): Promise<GenerationJob> {
  return request<GenerationJob>('POST', `${project(projectId)}/generation-jobs/`, { body: { plan } });
}

export function generationJobAction(
  projectId: number,
  jobId: number,
  action: 'cancel' | 'resume',
): Promise<GenerationJob> {
  return request<GenerationJob>('POST', `${project(projectId)}/generation-jobs/${jobId}/${action}/`);
}

export function retryFailedSamples(projectId: number, jobId: number): Promise<Schemas['GenerationRetry']> {
  return request<Schemas['GenerationRetry']>('POST', `${project(projectId)}/generation-jobs/${jobId}/retry-failed/`);
}

export function getLeaderboard(projectId: number, category: string, signal?: AbortSignal): Promise<Leaderboard> {
  const query = { category: category || undefined };
  return request<Leaderboard>('GET', `${project(projectId)}/leaderboard/`, options(signal, { query }));
}
