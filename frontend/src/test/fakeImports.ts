/**
 * The fake dashboard backend's imports area: a small file imports at once (201 with a
 * report); a large one is a job that runs one step per request and may be cancelled.
 */
import type { ImportJob, ImportReport } from '../api/dashboard';
import { makeImportJob, NOW, page } from './dashboardFactories';
import { errorResponse, jsonResponse, type MockRequest, type Route } from './http';

export interface ImportsState {
  /** `POST imports/` answers 202 with a job, as for a file over the sync size. */
  importAsJob: boolean;
  importJobs: ImportJob[];
}

export function importRoutes(s: ImportsState): Route[] {
  return [
    ['POST', /^imports\/$/, (req) => (s.importAsJob ? startImport(s, req) : importReport())],
    ['GET', /^imports\/$/, () => jsonResponse(200, page([...s.importJobs].reverse()))],
    ['GET', /^imports\/(\d+)\/$/, (_req, m) => importJob(s, Number(m[1]))],
    ['POST', /^imports\/(\d+)\/cancel\/$/, (_req, m) => cancelImport(s, Number(m[1]))],
  ];
}

function startImport(s: ImportsState, req: MockRequest): Response {
  const file = req.form?.get('file');
  const job = makeImportJob({
    id: 90 + s.importJobs.length,
    file_name: file instanceof File ? file.name : 'items.jsonl',
    skip_invalid: req.form?.get('skip_invalid') === 'true',
  });
  s.importJobs.push(job);
  return jsonResponse(202, job);
}

/** queued → running (2,000 read) → running (4,000 read) → succeeded, one step per request;
 * a job asked to cancel ends cancelled at its next step. */
function importJob(s: ImportsState, id: number): Response {
  const index = s.importJobs.findIndex((j) => j.id === id);
  const job = s.importJobs[index];
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
  s.importJobs[index] = next;
  return jsonResponse(200, next);
}

function cancelImport(s: ImportsState, id: number): Response {
  const index = s.importJobs.findIndex((j) => j.id === id);
  const job = s.importJobs[index];
  if (!job) return errorResponse(404, 'not_found', 'Not found.');
  if (job.status !== 'queued' && job.status !== 'running') {
    return errorResponse(409, 'import_finished', 'Only a queued or running import can be cancelled.');
  }
  const next = { ...job, cancel_requested: true };
  s.importJobs[index] = next;
  return jsonResponse(200, next);
}

function importReport(): Response {
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
