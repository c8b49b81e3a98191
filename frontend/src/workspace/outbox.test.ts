import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Ranking } from '../api/client';
import { errorResponse, jsonResponse, mockFetch, type MockRequest } from '../test/http';
import { Outbox, backoffDelay, type OutboxEntry } from './outbox';

const KEY = 'rankwise:outbox:v1:1:5';

function entry(promptId: number, requestId = `00000000-0000-4000-8000-00000000000${promptId}`): OutboxEntry {
  return {
    kind: 'ranking',
    requestId,
    projectId: 5,
    promptId,
    label: `Prompt ${promptId}`,
    body: {
      prompt_id: promptId,
      tiers: [[1], [2]],
      display_order: [2, 1],
      time_spent_ms: 1234,
      client_request_id: requestId,
    },
  };
}

function stored(body: unknown): Partial<Ranking> {
  return { id: 99, kind: 'ranked', ...(body as object) };
}

/** Responses in turn: 'network' throws like fetch does offline, a number is that status. */
function server(script: ('network' | number)[]) {
  const requests: MockRequest[] = [];
  const mock = mockFetch((req) => {
    requests.push(req);
    const step = script.shift() ?? 201;
    if (step === 'network') throw new TypeError('Failed to fetch');
    if (step >= 400) return errorResponse(step, step === 409 ? 'lease_lost' : 'error', `Failed with ${step}`);
    return jsonResponse(step, stored(req.body));
  });
  return { requests: mock.requests };
}

async function flush() {
  // Let pending promises (fetch, JSON parsing) settle without moving the clock.
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
  await vi.advanceTimersByTimeAsync(0);
}

describe('Outbox', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    document.cookie = 'csrftoken=abc';
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('backs off exponentially up to 8 seconds', () => {
    expect([1, 2, 3, 4, 5, 6, 9].map((n) => backoffDelay(n, 500, 8000))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000, 8000,
    ]);
  });

  it('retries a failed submit with the same client request id until it is stored', async () => {
    const { requests } = server(['network', 503, 'network', 201]);
    const stored = vi.fn();
    const outbox = new Outbox({ storageKey: KEY, handlers: { stored } });
    outbox.start();
    outbox.enqueue(entry(1));

    await flush();
    expect(requests).toHaveLength(1);
    expect(outbox.getStatus()).toMatchObject({ state: 'waiting', attempt: 1, retryDelayMs: 500 });
    expect(outbox.getStatus().error).toBe('Could not reach the server. Check your connection and try again.');

    await vi.advanceTimersByTimeAsync(500);
    await flush();
    expect(requests).toHaveLength(2);
    expect(outbox.getStatus()).toMatchObject({ state: 'waiting', attempt: 2, retryDelayMs: 1000 });

    await vi.advanceTimersByTimeAsync(999);
    expect(requests).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(requests).toHaveLength(3);

    await vi.advanceTimersByTimeAsync(2000);
    await flush();
    expect(requests).toHaveLength(4);
    expect(outbox.getStatus()).toMatchObject({ state: 'idle', pending: 0 });
    expect(stored).toHaveBeenCalledTimes(1);

    const ids = requests.map((r) => (r.body as { client_request_id: string }).client_request_id);
    expect(new Set(ids)).toEqual(new Set(['00000000-0000-4000-8000-000000000001']));
    expect(requests.every((r) => r.url.pathname === '/api/v1/projects/5/rankings/')).toBe(true);
    expect(window.localStorage.getItem(KEY)).toBe('[]');
  });

  it('does not retry a 4xx and reports it', async () => {
    const { requests } = server([409]);
    const rejected = vi.fn();
    const outbox = new Outbox({ storageKey: KEY, handlers: { rejected } });
    outbox.start();
    outbox.enqueue(entry(1));
    await flush();
    await vi.advanceTimersByTimeAsync(10_000);

    expect(requests).toHaveLength(1);
    expect(rejected).toHaveBeenCalledTimes(1);
    expect(rejected.mock.calls[0]?.[1]).toMatchObject({ status: 409, code: 'lease_lost' });
    expect(outbox.size).toBe(0);
  });

  it('keeps the entry queued while signed out', async () => {
    mockFetch(() => errorResponse(403, 'not_authenticated', 'Authentication credentials were not provided.'));
    const unauthenticated = vi.fn();
    const outbox = new Outbox({ storageKey: KEY, handlers: { unauthenticated } });
    outbox.start();
    outbox.enqueue(entry(1));
    await flush();

    expect(unauthenticated).toHaveBeenCalledTimes(1);
    expect(outbox.getStatus().state).toBe('blocked');
    expect(outbox.size).toBe(1);
  });

  it('sends entries one at a time, in order', async () => {
    const { requests } = server([201, 201]);
    const outbox = new Outbox({ storageKey: KEY });
    outbox.start();
    outbox.enqueue(entry(1));
    outbox.enqueue(entry(2));
    await flush();
    await flush();
    expect(requests.map((r) => (r.body as { prompt_id: number }).prompt_id)).toEqual([1, 2]);
    expect(outbox.size).toBe(0);
  });

  it('persists queued entries, and a new page sends them with their original id', async () => {
    server(['network']);
    const first = new Outbox({ storageKey: KEY });
    const stop = first.start();
    first.enqueue(entry(1, '11111111-1111-4111-8111-111111111111'));
    await flush();
    stop(); // the page is closed mid-retry

    const { requests } = server([200]);
    const second = new Outbox({ storageKey: KEY });
    expect(second.size).toBe(1);
    second.start();
    await flush();
    expect(requests).toHaveLength(1);
    expect((requests[0]?.body as { client_request_id: string }).client_request_id).toBe(
      '11111111-1111-4111-8111-111111111111',
    );
    expect(second.size).toBe(0);
  });

  it('retries at once on "Retry now"', async () => {
    const { requests } = server(['network', 201]);
    const outbox = new Outbox({ storageKey: KEY, baseDelayMs: 60_000 });
    outbox.start();
    outbox.enqueue(entry(1));
    await flush();
    expect(outbox.getStatus().state).toBe('waiting');
    outbox.retryNow();
    await flush();
    expect(requests).toHaveLength(2);
    expect(outbox.getStatus().state).toBe('idle');
  });
});
