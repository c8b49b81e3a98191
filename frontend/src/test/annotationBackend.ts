/**
 * A fake Rankwise backend for workspace tests: the annotation endpoints with
 * the server's lease semantics (oldest live lease first, `after` leases the
 * following item, idempotent submits by client_request_id).
 */
import type { Assignment, Progress } from '../api/client';
import type { HistoryEntry, HistoryItem, Preferences } from '../api/workspace';
import { alice, errorResponse, jsonResponse, makeItem, makeProgress, makeProject, mockFetch, type MockRequest } from './http';

type Outcome = Response | 'network' | Promise<Response>;

export interface FakeBackendOptions {
  items?: Assignment[];
  allowTies?: boolean;
  guidelines?: string;
  rankingsLocked?: boolean;
  defaultRawText?: boolean;
  /** Answer the project itself with this error status (404: not found, or not a member). */
  projectStatus?: number;
}

/** What the annotator did with an item, as the server keeps it (for the history). */
interface Done {
  item: Assignment;
  kind: HistoryEntry['kind'];
  tiers: number[][] | null;
  displayOrder: number[];
  skipReason: string;
  revision: number;
  createdAt: string;
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
  /** The annotator's items, oldest first. */
  readonly done: Done[] = [];
  preferences: Preferences = { advance_after_rank: true };
  private readonly projectStatus: number;
  private readonly locked: boolean;

  constructor(options: FakeBackendOptions = {}) {
    this.queue = [...(options.items ?? [1, 2, 3].map((id) => makeItem(id)))];
    this.locked = options.rankingsLocked ?? false;
    this.projectStatus = options.projectStatus ?? 200;
    const project = makeProject({
      id: this.projectId,
      allow_ties: options.allowTies ?? true,
      guidelines: options.guidelines ?? '# Be kind\n\nPrefer **helpful** answers.',
      rankings_locked: this.locked,
      default_raw_text: options.defaultRawText ?? false,
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
    if (path === '/api/v1/me/preferences/') return this.preferencesAnswer(req);
    if (path === `${base}/` && this.projectStatus !== 200) {
      return errorResponse(this.projectStatus, this.projectStatus === 404 ? 'not_found' : 'permission_denied', 'No.');
    }
    if (path === `${base}/`) return jsonResponse(200, project);
    if (path === `${base}/history/`) return this.history();
    const reopened = new RegExp(`^${base}/history/(\\d+)/$`).exec(path);
    if (reopened) return this.historyItem(Number(reopened[1]));
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

  /** Store (or replay) a submit: 201 the first time, 200 for the same request id or a revision. */
  store(req: MockRequest): Response {
    const body = req.body as Record<string, unknown> & { client_request_id: string; prompt_id: number };
    const replay = this.stored.has(body.client_request_id);
    if (!replay) this.stored.set(body.client_request_id, { path: req.url.pathname, body });
    const earlier = this.done.find((d) => d.item.prompt.id === body.prompt_id);
    if (!replay) this.remember(req.url.pathname, body, earlier);
    this.leases = this.leases.filter((l) => l.prompt.id !== body.prompt_id);
    return jsonResponse(replay || earlier ? 200 : 201, { id: this.stored.size, prompt_id: body.prompt_id, kind: 'ranked' });
  }

  private remember(path: string, body: Record<string, unknown>, earlier: Done | undefined): void {
    const kind = path.endsWith('/skips/') ? 'skipped' : path.endsWith('/flags/') ? 'flagged' : 'ranked';
    const tiers = kind === 'ranked' ? (body.tiers as number[][]) : null;
    if (earlier) {
      Object.assign(earlier, { kind, tiers, skipReason: '', revision: earlier.revision + 1 });
      return;
    }
    const item = this.leases.find((l) => l.prompt.id === body.prompt_id);
    if (!item) return;
    this.done.push({
      item,
      kind,
      tiers,
      displayOrder: (body.display_order as number[] | undefined) ?? item.completions.map((c) => c.id),
      skipReason: typeof body.reason === 'string' && kind === 'skipped' ? body.reason : '',
      revision: 1,
      createdAt: new Date(Date.UTC(2025, 2, 4, 9, this.done.length)).toISOString(),
    });
  }

  private entry(done: Done, index: number): HistoryEntry {
    return {
      ranking_id: index + 1,
      prompt_id: done.item.prompt.id,
      kind: done.kind,
      revision: done.revision,
      skip_reason: done.skipReason,
      flag_reason: done.kind === 'flagged' ? 'broken' : '',
      excerpt: done.item.prompt.text,
      created_at: done.createdAt,
      updated_at: done.createdAt,
    };
  }

  private history(): Response {
    const results = this.done.map((d, i) => this.entry(d, i)).reverse();
    return jsonResponse(200, { count: results.length, next: null, previous: null, results });
  }

  private historyItem(promptId: number): Response {
    const index = this.done.findIndex((d) => d.item.prompt.id === promptId);
    const done = this.done[index];
    if (!done) return errorResponse(404, 'not_found', 'Not found.');
    const { ranking_id, kind, revision, skip_reason, flag_reason, created_at, updated_at } = this.entry(done, index);
    const byId = new Map(done.item.completions.map((c) => [c.id, c]));
    const body: HistoryItem = {
      prompt: done.item.prompt,
      completions: done.displayOrder.flatMap((id) => byId.get(id) ?? []),
      ranking: { id: ranking_id, kind, tiers: done.tiers, revision, skip_reason, flag_reason, created_at, updated_at },
      can_revise: !this.locked && kind !== 'flagged',
    };
    return jsonResponse(200, body);
  }

  private preferencesAnswer(req: MockRequest): Response {
    if (req.method === 'PATCH') this.preferences = { ...this.preferences, ...(req.body as Partial<Preferences>) };
    return jsonResponse(200, this.preferences);
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
