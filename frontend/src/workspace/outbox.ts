/**
 * The outbox: rankings, skips and flags on their way to the server.
 *
 * An entry is written to localStorage before it is sent and removed only once
 * the server has stored it, so neither a network failure nor a reload loses
 * it. Every attempt carries the entry's `client_request_id`, and the server
 * answers a repeat with the ranking it already stored: an entry is stored
 * exactly once however many times it is sent. Network errors and 5xx are
 * retried with exponential backoff; other errors are final and reported.
 */
import {
  submitFlag,
  submitRanking,
  submitSkip,
  type ApiError,
  type FlagRequest,
  type Ranking,
  type RankingSubmitRequest,
  type SkipRequest,
} from '../api/client';
import { toApiError } from '../auth/AuthContext';
import { isRecord, readJson, writeJson } from './storage';

export type OutboxAction =
  | { kind: 'ranking'; body: RankingSubmitRequest }
  | { kind: 'skip'; body: SkipRequest }
  | { kind: 'flag'; body: FlagRequest };

export type OutboxEntry = OutboxAction & {
  /** The `client_request_id` sent with every attempt. */
  requestId: string;
  projectId: number;
  promptId: number;
  /** A few words of the prompt, to name the item in messages. */
  label: string;
};

export type Sender = (entry: OutboxEntry) => Promise<Ranking>;

export interface OutboxHandlers {
  stored?: (entry: OutboxEntry, ranking: Ranking) => void;
  /** A final refusal (4xx): the entry is dropped. */
  rejected?: (entry: OutboxEntry, error: ApiError) => void;
  /** Signed out: the entry stays queued until the outbox is started again. */
  unauthenticated?: (error: ApiError) => void;
}

export interface OutboxStatus {
  state: 'idle' | 'sending' | 'waiting' | 'blocked';
  pending: number;
  /** Attempt number of the entry being sent (1 = first try). */
  attempt: number;
  /** When the next attempt starts (epoch ms), while waiting. */
  retryAt: number | null;
  /** How long that wait is in all. */
  retryDelayMs: number | null;
  /** Why the last attempt failed. */
  error: string | null;
  /** When the last entry was stored (epoch ms). */
  savedAt: number | null;
}

export interface OutboxOptions {
  storageKey: string;
  send?: Sender;
  handlers?: OutboxHandlers;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export function sendEntry(entry: OutboxEntry): Promise<Ranking> {
  switch (entry.kind) {
    case 'ranking':
      return submitRanking(entry.projectId, entry.body);
    case 'skip':
      return submitSkip(entry.projectId, entry.body);
    case 'flag':
      return submitFlag(entry.projectId, entry.body);
  }
}

/** Worth another try: the request may not have arrived, or the server may recover. */
export function isRetryable(error: ApiError): boolean {
  return error.status === 0 || error.status === 408 || error.status === 429 || error.status >= 500;
}

/** 0.5 s, 1 s, 2 s, 4 s, then 8 s between attempts. */
export function backoffDelay(failedAttempts: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failedAttempts - 1), maxMs);
}

function isEntry(value: unknown): value is OutboxEntry {
  return (
    isRecord(value) &&
    (value.kind === 'ranking' || value.kind === 'skip' || value.kind === 'flag') &&
    typeof value.requestId === 'string' &&
    typeof value.projectId === 'number' &&
    typeof value.promptId === 'number' &&
    typeof value.label === 'string' &&
    isRecord(value.body)
  );
}

const IDLE: OutboxStatus = {
  state: 'idle',
  pending: 0,
  attempt: 0,
  retryAt: null,
  retryDelayMs: null,
  error: null,
  savedAt: null,
};

export class Outbox {
  private readonly storageKey: string;
  private readonly send: Sender;
  private readonly handlers: OutboxHandlers;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly listeners = new Set<() => void>();
  private status: OutboxStatus;
  private running = false;
  private active = false;

  /** A method, not the field: the flag changes while we await. */
  private stopped(): boolean {
    return !this.active;
  }
  private wake: (() => void) | null = null;

  constructor(options: OutboxOptions) {
    this.storageKey = options.storageKey;
    this.send = options.send ?? sendEntry;
    this.handlers = options.handlers ?? {};
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 8000;
    this.status = { ...IDLE, pending: this.entries().length };
  }

  /** Storage is the source of truth, so two tabs (or instances) agree. */
  entries(): OutboxEntry[] {
    const stored = readJson(this.storageKey);
    return Array.isArray(stored) ? stored.filter(isEntry) : [];
  }

  hasPrompt(promptId: number): boolean {
    return this.entries().some((e) => e.promptId === promptId);
  }

  get size(): number {
    return this.entries().length;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getStatus = (): OutboxStatus => this.status;

  /** Send what is queued (from an earlier page too). Returns a stop function. */
  start(): () => void {
    this.active = true;
    this.update({ pending: this.size });
    void this.run();
    return () => {
      this.stop();
    };
  }

  stop(): void {
    this.active = false;
    this.wake?.();
  }

  enqueue(entry: OutboxEntry): void {
    writeJson(this.storageKey, [...this.entries(), entry]);
    this.update({ pending: this.size });
    void this.run();
  }

  /** Skip the rest of the backoff wait. */
  retryNow(): void {
    this.wake?.();
  }

  private remove(requestId: string): void {
    writeJson(
      this.storageKey,
      this.entries().filter((e) => e.requestId !== requestId),
    );
  }

  private update(patch: Partial<OutboxStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private async run(): Promise<void> {
    // Let a caller that stops us in the same tick (React's StrictMode) win.
    await Promise.resolve();
    if (this.running || !this.active) return;
    this.running = true;
    try {
      for (let entry = this.entries()[0]; entry && !this.stopped(); entry = this.entries()[0]) {
        const outcome = await this.deliver(entry);
        if (outcome === 'blocked') return;
      }
      if (!this.stopped()) {
        this.update({ state: 'idle', pending: this.size, attempt: 0, retryAt: null, retryDelayMs: null });
      }
    } finally {
      this.running = false;
    }
  }

  private async deliver(entry: OutboxEntry): Promise<'done' | 'blocked' | 'stopped'> {
    for (let attempt = 1; !this.stopped(); attempt += 1) {
      this.update({ state: 'sending', attempt, retryAt: null, retryDelayMs: null, pending: this.size });
      try {
        const ranking = await this.send(entry);
        this.remove(entry.requestId);
        this.update({ error: null, savedAt: Date.now(), pending: this.size });
        this.handlers.stored?.(entry, ranking);
        return 'done';
      } catch (err) {
        const error = toApiError(err);
        if (error.isUnauthenticated) {
          this.update({ state: 'blocked', error: error.message, retryAt: null, retryDelayMs: null });
          this.handlers.unauthenticated?.(error);
          return 'blocked';
        }
        if (!isRetryable(error)) {
          this.remove(entry.requestId);
          this.update({ error: null, pending: this.size });
          this.handlers.rejected?.(entry, error);
          return 'done';
        }
        const delay = backoffDelay(attempt, this.baseDelayMs, this.maxDelayMs);
        this.update({
          state: 'waiting',
          retryAt: Date.now() + delay,
          retryDelayMs: delay,
          error: error.message,
        });
        await this.sleep(delay);
      }
    }
    return 'stopped';
  }
}
