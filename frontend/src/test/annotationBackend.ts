/**
 * A fake Rankwise backend for workspace tests: the annotation endpoints with
 * the server's lease semantics (oldest live lease first, `after` leases the
 * following item, idempotent submits by client_request_id).
 */
import type { Assignment, Progress } from '../api/client';
import { alice, errorResponse, jsonResponse, makeItem, makeProgress, makeProject, mockFetch, type MockRequest } from './http';

type Outcome = Response | 'network' | Promise<Response>;

export interface FakeBackendOptions {
  items?: Assignment[];
  allowTies?: boolean;
  guidelines?: string;
}

export class FakeAnnotationBackend {
  readonly projectId = 5;
  readonly requests: MockRequest[];
  /** Stored outcomes by client_request_id, in order. */
  readonly stored = new Map<string, { path: string; body: Record<string, unknown> }>();
  private queue: Assignment[];
  private leases: Assignment[] = [];
  /** Scripted answers for the next POSTs to rankings/ (then the normal behaviour). */
  readonly rankingScript: ((req: MockRequest) => Outcome)[] = [];

  constructor(options: FakeBackendOptions = {}) {
    this.queue = [...(options.items ?? [1, 2, 3].map((id) => makeItem(id)))];
    const project = makeProject({
      id: this.projectId,
      allow_ties: options.allowTies ?? true,
      guidelines: options.guidelines ?? '# Be kind\n\nPrefer **helpful** answers.',
    });
    const { requests } = mockFetch((req) => this.handle(req, project));
    this.requests = requests;
  }

  /** The item the annotator holds a live lease on (as after a reload). */
  lease(item: Assignment): void {
    this.queue = this.queue.filter((i) => i.prompt.id !== item.prompt.id);
    this.leases.push(item);
  }

  nextRequests(): unknown[] {
    return this.requests.filter((r) => r.url.pathname.endsWith('/next/')).map((r) => r.body);
  }

  submits(kind = 'rankings'): MockRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.url.pathname.endsWith(`/${kind}/`));
  }

  private progress(): Progress {
    return makeProgress({ ranked: this.stored.size, ranked_today: this.stored.size, remaining_for_me: this.queue.length });
  }

  private async handle(req: MockRequest, project: ReturnType<typeof makeProject>): Promise<Response> {
    const base = `/api/v1/projects/${this.projectId}`;
    const path = req.url.pathname;
    document.cookie = 'csrftoken=abc';
    if (path === '/api/v1/auth/session/') return jsonResponse(200, { user: alice });
    if (path === `${base}/`) return jsonResponse(200, project);
    if (path === `${base}/progress/`) return jsonResponse(200, this.progress());
    if (path === `${base}/next/`) return this.next(req.body as { after?: number });
    if (path === `${base}/rankings/` && req.method === 'POST') {
      const scripted = this.rankingScript.shift();
      if (scripted) {
        const outcome = await scripted(req);
        if (outcome === 'network') throw new TypeError('Failed to fetch');
        return outcome;
      }
      return this.store(req);
    }
    if ((path === `${base}/skips/` || path === `${base}/flags/`) && req.method === 'POST') return this.store(req);
    return errorResponse(404, 'not_found', 'Not found.');
  }

  private next(body: { after?: number }): Response {
    const live = this.leases.filter((l) => l.prompt.id !== body.after);
    const held = live[0];
    if (held) return jsonResponse(200, held);
    const fresh = this.queue.shift();
    if (!fresh) return jsonResponse(204);
    this.leases.push(fresh);
    return jsonResponse(200, fresh);
  }

  /** Store (or replay) a submit: 201 the first time, 200 for the same request id. */
  store(req: MockRequest): Response {
    const body = req.body as Record<string, unknown> & { client_request_id: string; prompt_id: number };
    const replay = this.stored.has(body.client_request_id);
    if (!replay) this.stored.set(body.client_request_id, { path: req.url.pathname, body });
    this.leases = this.leases.filter((l) => l.prompt.id !== body.prompt_id);
    return jsonResponse(replay ? 200 : 201, { id: this.stored.size, prompt_id: body.prompt_id, kind: 'ranked' });
  }
}

/** A promise to resolve by hand (to hold a response). */
export function deferred<T>() {
  let resolve: (value: T) => void = () => undefined;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
