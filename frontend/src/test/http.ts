/**
 * Helpers for tests that mock `fetch`.
 */
import { vi } from 'vitest';
import type { Assignment, ErrorBody, Progress, Project, User } from '../api/client';

export interface MockRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: unknown;
  /** The multipart body of an upload. */
  form: FormData | undefined;
  credentials: RequestCredentials | undefined;
}

export type Handler = (request: MockRequest) => Response | Promise<Response>;

/** A fake backend's answer to one method on the paths a pattern matches (after the project's). */
export type Route = [method: string, pattern: RegExp, handler: (req: MockRequest, match: RegExpExecArray) => Response | Promise<Response>];

export function jsonResponse(status: number, body?: unknown): Response {
  if (body === undefined) return new Response(null, { status });
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  fields: Record<string, string[]> = {},
): Response {
  const body: ErrorBody = { error: { status, code, message, fields } };
  return jsonResponse(status, body);
}

/** Replace global fetch with a handler; returns the mock to inspect calls. */
export function mockFetch(handler: Handler) {
  const requests: MockRequest[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const raw = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const bodyText = typeof init?.body === 'string' ? init.body : undefined;
    const request: MockRequest = {
      method: init?.method ?? 'GET',
      url: new URL(raw, window.location.origin),
      headers: new Headers(init?.headers),
      body: bodyText === undefined ? undefined : (JSON.parse(bodyText) as unknown),
      form: init?.body instanceof FormData ? init.body : undefined,
      credentials: init?.credentials,
    };
    requests.push(request);
    return handler(request);
  });
  vi.stubGlobal('fetch', fn);
  return { fn, requests };
}

export const alice: User = { id: 1, username: 'alice', display_name: 'Alice Liddell', is_staff: false };

export function makeProject(overrides: Partial<Project> = {}): Project {
  return {
    id: 1,
    slug: 'helpfulness-v1',
    name: 'Helpfulness v1',
    description: 'Rank completions by helpfulness.',
    role: 'annotator',
    created_at: '2025-03-04T12:00:00Z',
    ...overrides,
  };
}

export function projectPage(results: Project[], extra: { next?: string | null; previous?: string | null } = {}) {
  return {
    count: results.length,
    next: extra.next ?? null,
    previous: extra.previous ?? null,
    results,
  };
}

export function makeProgress(overrides: Partial<Progress> = {}): Progress {
  return {
    ranked: 0,
    ranked_today: 0,
    skipped: 0,
    flagged: 0,
    remaining_for_me: 10,
    items_total: 10,
    items_complete: 0,
    ...overrides,
  };
}

/** A leased item: prompt `promptId`, completions `promptId * 10 + 1 …` (k of them). */
export function makeItem(promptId: number, k = 4, overrides: Partial<Assignment['prompt']> = {}): Assignment {
  return {
    id: promptId + 1000,
    expires_at: '2030-01-01T00:00:00Z',
    prompt: { id: promptId, text: `Prompt number ${promptId}`, messages: null, ...overrides },
    completions: Array.from({ length: k }, (_, i) => ({
      id: promptId * 10 + i + 1,
      text: `Answer ${i + 1} to prompt ${promptId}`,
    })),
  };
}
