/**
 * Typed client for the Rankwise JSON API.
 *
 * Body types come from `schema.d.ts`, generated from `openapi.yaml` by
 * `npm run gen:api`. Every non-2xx response is turned into an `ApiError`
 * built from the standard error body:
 *
 *   {"error": {"status": 400, "code": "...", "message": "...", "fields": {...}}}
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type User = Schemas['User'];
export type SessionState = Schemas['SessionState'];
export type LoginRequest = Schemas['LoginRequest'];
export type Project = Schemas['Project'];
export type ProjectRole = Project['role'];
export type PaginatedProjectList = Schemas['PaginatedProjectList'];
export type ErrorBody = Schemas['ErrorBody'];
export type Progress = Schemas['Progress'];
/** A leased item: the prompt and its completions in the order to show them. */
export type Assignment = Schemas['Assignment'];
export type ItemPrompt = Schemas['ItemPrompt'];
export type ItemCompletion = Schemas['ItemCompletion'];
export type ChatMessage = Schemas['ChatMessage'];
export type Ranking = Schemas['Ranking'];
export type NextItemRequest = Schemas['NextItemRequest'];
/** The schema types `tiers` as free JSON; the client always sends id tiers, best first. */
export type RankingSubmitRequest = Omit<Schemas['RankingSubmitRequest'], 'tiers'> & {
  tiers: number[][];
};
export type SkipRequest = Schemas['SkipRequest'];
export type FlagRequest = Schemas['FlagRequest'];
export type FlagReason = Schemas['FlagReasonEnum'];
export type ErrorDetail = ErrorBody['error'];
export type FieldErrors = ErrorDetail['fields'];

export const API_PREFIX = '/api/v1';
export const CSRF_COOKIE_NAME = 'csrftoken';
export const CSRF_HEADER_NAME = 'X-CSRFToken';

/** Error codes produced by the client itself (no usable server error body). */
export const NETWORK_ERROR = 'network_error';
export const UNEXPECTED_RESPONSE = 'unexpected_response';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly fields: FieldErrors;

  constructor(detail: ErrorDetail) {
    super(detail.message);
    this.name = 'ApiError';
    this.status = detail.status;
    this.code = detail.code;
    this.fields = detail.fields;
  }

  /** Messages that are not tied to a single form field. */
  get nonFieldErrors(): string[] {
    return this.fields.non_field_errors ?? [];
  }

  /** Messages for one field (empty when there are none). */
  fieldErrors(field: string): string[] {
    return this.fields[field] ?? [];
  }

  /** True when the request failed because nobody is signed in. */
  get isUnauthenticated(): boolean {
    return (
      this.status === 401 ||
      (this.status === 403 &&
        (this.code === 'not_authenticated' || this.code === 'authentication_failed'))
    );
  }
}

/** True for the error `fetch` rejects with when its signal is aborted. */
export function isAbortError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'name' in err && err.name === 'AbortError';
}

export function readCookie(name: string): string | null {
  if (typeof document === 'undefined' || document.cookie === '') return null;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseFields(value: unknown): FieldErrors {
  const fields: FieldErrors = {};
  if (!isRecord(value)) return fields;
  for (const [key, messages] of Object.entries(value)) {
    if (Array.isArray(messages)) {
      fields[key] = messages.filter((m): m is string => typeof m === 'string');
    } else if (typeof messages === 'string') {
      fields[key] = [messages];
    }
  }
  return fields;
}

function defaultMessage(status: number): string {
  if (status === 401 || status === 403) return 'You are not allowed to do that.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return 'The server ran into a problem. Please try again.';
  return 'Something went wrong. Please try again.';
}

/**
 * Turn an error response body into an `ErrorDetail`. Falls back to a
 * generic message when the body is not the standard shape (e.g. an HTML
 * page from a proxy).
 */
export function parseErrorBody(status: number, body: unknown): ErrorDetail {
  const error = isRecord(body) ? body.error : undefined;
  if (isRecord(error)) {
    return {
      status: typeof error.status === 'number' ? error.status : status,
      code: typeof error.code === 'string' ? error.code : 'error',
      message:
        typeof error.message === 'string' && error.message !== ''
          ? error.message
          : defaultMessage(status),
      fields: parseFields(error.fields),
    };
  }
  return { status, code: UNEXPECTED_RESPONSE, message: defaultMessage(status), fields: {} };
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

const SAFE_METHODS: ReadonlySet<Method> = new Set<Method>(['GET']);

export interface RequestOptions {
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data (file uploads) instead of `body`. */
  form?: FormData;
  signal?: AbortSignal;
}

function buildUrl(path: string, query: RequestOptions['query']): string {
  const url = API_PREFIX + path;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) params.set(key, String(value));
  }
  const qs = params.toString();
  return qs === '' ? url : `${url}?${qs}`;
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The session endpoint sets the CSRF cookie. It is normally already set by
 * the time anything unsafe is sent (the app loads the session first); this
 * covers the case where it is not.
 */
async function fetchCsrfCookie(): Promise<string | null> {
  try {
    await fetch(buildUrl('/auth/session/', undefined), {
      method: 'GET',
      headers: { Accept: 'application/json' },
      credentials: 'same-origin',
    });
  } catch {
    // The real request will report the failure.
  }
  return readCookie(CSRF_COOKIE_NAME);
}

/**
 * Low-level request. Resolves with the parsed JSON body (undefined for
 * empty bodies such as 204) and rejects with `ApiError` for any failure
 * other than an abort, which rethrows the original `AbortError`.
 */
export async function request<T>(
  method: Method,
  path: string,
  options: RequestOptions = {},
): Promise<T> {
  const headers = new Headers({ Accept: 'application/json' });
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (options.signal) init.signal = options.signal;
  if (options.form) {
    // fetch sets the multipart Content-Type with its boundary itself.
    init.body = options.form;
  } else if (options.body !== undefined) {
    headers.set('Content-Type', 'application/json');
    init.body = JSON.stringify(options.body);
  }
  if (!SAFE_METHODS.has(method)) {
    const token = readCookie(CSRF_COOKIE_NAME) ?? (await fetchCsrfCookie());
    if (token) headers.set(CSRF_HEADER_NAME, token);
  }

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), init);
  } catch (err) {
    if (isAbortError(err)) throw err;
    throw new ApiError({
      status: 0,
      code: NETWORK_ERROR,
      message: 'Could not reach the server. Check your connection and try again.',
      fields: {},
    });
  }

  const body = await readJson(response);
  if (!response.ok) {
    throw new ApiError(parseErrorBody(response.status, body));
  }
  if (body === undefined && response.status !== 204) {
    throw new ApiError({
      status: response.status,
      code: UNEXPECTED_RESPONSE,
      message: 'The server sent a response that could not be read.',
      fields: {},
    });
  }
  return body as T;
}

export function getSession(signal?: AbortSignal): Promise<SessionState> {
  return request<SessionState>('GET', '/auth/session/', signal ? { signal } : {});
}

export function login(credentials: LoginRequest): Promise<SessionState> {
  return request<SessionState>('POST', '/auth/login/', { body: credentials });
}

export async function logout(): Promise<void> {
  await request<undefined>('POST', '/auth/logout/');
}

export function listProjects(page = 1, signal?: AbortSignal): Promise<PaginatedProjectList> {
  const options: RequestOptions = { query: { page: page > 1 ? page : undefined } };
  if (signal) options.signal = signal;
  return request<PaginatedProjectList>('GET', '/projects/', options);
}

function withSignal(options: RequestOptions, signal: AbortSignal | undefined): RequestOptions {
  return signal ? { ...options, signal } : options;
}

export function getProject(projectId: number, signal?: AbortSignal): Promise<Project> {
  return request<Project>('GET', `/projects/${projectId}/`, withSignal({}, signal));
}

export function getProgress(projectId: number, signal?: AbortSignal): Promise<Progress> {
  return request<Progress>('GET', `/projects/${projectId}/progress/`, withSignal({}, signal));
}

/**
 * Lease the annotator's next item, or `null` when nothing is left.
 *
 * Without `after` the server returns the oldest live lease (a reload shows the
 * same item); with `after` it leases the item following that prompt (prefetch).
 */
export async function nextItem(
  projectId: number,
  after?: number,
  signal?: AbortSignal,
): Promise<Assignment | null> {
  const body: NextItemRequest = after === undefined ? {} : { after };
  const item = await request<Assignment | undefined>(
    'POST',
    `/projects/${projectId}/next/`,
    withSignal({ body }, signal),
  );
  return item ?? null;
}

/** 201 when stored, 200 when the same `client_request_id` was stored before. */
export function submitRanking(projectId: number, body: RankingSubmitRequest): Promise<Ranking> {
  return request<Ranking>('POST', `/projects/${projectId}/rankings/`, { body });
}

export function submitSkip(projectId: number, body: SkipRequest): Promise<Ranking> {
  return request<Ranking>('POST', `/projects/${projectId}/skips/`, { body });
}

export function submitFlag(projectId: number, body: FlagRequest): Promise<Ranking> {
  return request<Ranking>('POST', `/projects/${projectId}/flags/`, { body });
}
