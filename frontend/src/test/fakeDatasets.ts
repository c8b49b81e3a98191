/**
 * The fake dashboard backend's datasets area: flagged items to review, dataset versions
 * that build over a few polls, and exports that run one step per request.
 */
import type { DatasetVersion, ExportJob, FlaggedItem } from '../api/dashboard';
import { makeVersion, NOW, page } from './dashboardFactories';
import { errorResponse, jsonResponse, type MockRequest, type Route } from './http';

export interface DatasetsState {
  reviews: FlaggedItem[];
  versions: DatasetVersion[];
  /** Polls of a building version before it is done. */
  buildPolls: number;
  /** How a build ends: ready, or failed with this error. */
  buildError: string | null;
  exports: ExportJob[];
}

export function datasetRoutes(s: DatasetsState): Route[] {
  return [
    ['GET', /^reviews\/$/, () => jsonResponse(200, page(s.reviews))],
    ['POST', /^reviews\/(\d+)\/$/, (req, m) => review(s, req, Number(m[1]))],
    ['GET', /^datasets\/$/, () => jsonResponse(200, page([...s.versions].sort((a, b) => b.number - a.number)))],
    ['POST', /^datasets\/$/, (req) => createVersion(s, req)],
    ['POST', /^datasets\/preview\/$/, (req) => previewVersion(req)],
    ['GET', /^datasets\/(\d+)\/$/, (_req, m) => version(s, Number(m[1]))],
    ['POST', /^datasets\/(\d+)\/exports\/$/, (req, m) => startExport(s, req, Number(m[1]))],
    ['GET', /^exports\/(\d+)\/$/, (_req, m) => exportJob(s, Number(m[1]))],
  ];
}

function review(s: DatasetsState, req: MockRequest, id: number): Response {
  const item = s.reviews.find((r) => r.id === id);
  if (!item) return errorResponse(404, 'not_found', 'Not found.');
  s.reviews = s.reviews.filter((r) => r.id !== id);
  const body = req.body as { review_status: 'resolved' | 'dismissed' };
  return jsonResponse(200, { ...item, review_status: body.review_status });
}

/** 40 eligible prompts of 3 pairs each, shared out by the requested split. */
function previewVersion(req: MockRequest): Response {
  const split = (req.body as { split?: Record<'train' | 'validation' | 'test', number> }).split;
  const shares = split ?? { train: 0.8, validation: 0.1, test: 0.1 };
  const counts = (share: number) => ({ prompts: Math.round(40 * share), pairs: 3 * Math.round(40 * share) });
  return jsonResponse(200, {
    train: counts(shares.train),
    validation: counts(shares.validation),
    test: counts(shares.test),
  });
}

function createVersion(s: DatasetsState, req: MockRequest): Response {
  const body = req.body as Record<string, unknown>;
  const number = s.versions.length + 1;
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
  s.versions.push(version);
  return jsonResponse(202, version);
}

function version(s: DatasetsState, number: number): Response {
  const index = s.versions.findIndex((v) => v.number === number);
  const version = s.versions[index];
  if (!version) return errorResponse(404, 'not_found', 'Not found.');
  if (version.status === 'building') {
    if (s.buildPolls > 0) s.buildPolls -= 1;
    else {
      const done =
        s.buildError === null
          ? makeVersion({ ...version, status: 'ready', content_hash: 'f00dfeed', counts: makeVersion().counts })
          : { ...version, status: 'failed' as const, error: s.buildError };
      s.versions[index] = done;
      return jsonResponse(200, done);
    }
  }
  return jsonResponse(200, version);
}

function startExport(s: DatasetsState, req: MockRequest, number: number): Response {
  const body = req.body as { format: ExportJob['format'] };
  const job: ExportJob = {
    id: 70 + s.exports.length,
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
  s.exports.push(job);
  return jsonResponse(202, job);
}

/** queued → running half way → succeeded, one step per request. */
function exportJob(s: DatasetsState, id: number): Response {
  const index = s.exports.findIndex((j) => j.id === id);
  const job = s.exports[index];
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
  s.exports[index] = next;
  return jsonResponse(200, next);
}
