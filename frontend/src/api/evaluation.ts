/**
 * Evaluation sets: held-out pairs or rankings every model version is evaluated on, each
 * version compared with its baseline and regressions flagged; the promotion gate.
 */
import { request, type RequestOptions } from './client';
import type { components } from './schema';

type Schemas = components['schemas'];

export type EvaluationSet = Schemas['EvaluationSet'];
export type EvaluationSetDetail = Schemas['EvaluationSetDetail'];
export type EvaluationVersionResult = Schemas['EvaluationVersionResult'];
export type EvaluationMetrics = Schemas['EvaluationMetrics'];
export type EvaluationDifference = Schemas['DifferenceOutput'];
export type Evaluation = Schemas['Evaluation'];

export interface EvaluationSetUpload {
  file: File;
  name: string;
  categoryKey: string;
  gatesPromotion: boolean;
}

const sets = (projectId: number) => `/projects/${projectId}/evaluation-sets/`;

function options(signal: AbortSignal | undefined, rest: RequestOptions = {}): RequestOptions {
  return signal ? { ...rest, signal } : rest;
}

export function listEvaluationSets(projectId: number, signal?: AbortSignal): Promise<EvaluationSet[]> {
  return request<EvaluationSet[]>('GET', sets(projectId), options(signal));
}

export function getEvaluationSet(projectId: number, setId: number, signal?: AbortSignal): Promise<EvaluationSetDetail> {
  return request<EvaluationSetDetail>('GET', `${sets(projectId)}${setId}/`, options(signal));
}

export function uploadEvaluationSet(projectId: number, upload: EvaluationSetUpload): Promise<EvaluationSet> {
  const form = new FormData();
  form.set('file', upload.file, upload.file.name);
  form.set('name', upload.name);
  form.set('category_key', upload.categoryKey);
  form.set('gates_promotion', upload.gatesPromotion ? 'true' : 'false');
  return request<EvaluationSet>('POST', sets(projectId), { form });
}

export function setEvaluationGate(projectId: number, setId: number, gatesPromotion: boolean): Promise<EvaluationSetDetail> {
  return request<EvaluationSetDetail>('PATCH', `${sets(projectId)}${setId}/`, { body: { gates_promotion: gatesPromotion } });
}

export function rerunEvaluation(projectId: number, evaluationId: number): Promise<Evaluation> {
  return request<Evaluation>('POST', `/projects/${projectId}/evaluations/${evaluationId}/rerun/`);
}

/** Whether a worker may still change the evaluation on its own. */
export function isPending(result: EvaluationVersionResult): boolean {
  return result.evaluation?.status === 'queued' || result.evaluation?.status === 'running';
}
