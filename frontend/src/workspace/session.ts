/**
 * One annotator working through one project: which item is on screen, the
 * prefetched one behind it, and the outbox of finished items.
 *
 * Finishing an item (rank, skip, flag) queues it in the outbox and shows the
 * prefetched item at once; the submission goes on in the background. `next`
 * is only asked while the outbox is empty: the server answers "the oldest
 * live lease", which would otherwise be the item still being saved.
 */
import {
  nextItem,
  type ApiError,
  type Assignment,
  type FlagReason,
  type ItemPrompt,
} from '../api/client';
import { toApiError } from '../auth/AuthContext';
import { removeDraft, type DraftScope } from './drafts';
import { Outbox, type OutboxEntry, type Sender } from './outbox';
import { uuid4 } from './uuid';

export interface RankingAction {
  kind: 'ranking';
  tiers: number[][];
  displayOrder: number[];
  timeSpentMs: number;
}

export type FinishAction =
  | RankingAction
  | { kind: 'skip'; reason: string }
  | { kind: 'flag'; reason: FlagReason; note: string };

export type SessionPhase =
  /** Saving what an earlier page left in the outbox before asking for work. */
  | 'waiting'
  | 'loading'
  | 'ready'
  /** Nothing left to rank for now. */
  | 'done'
  | 'error';

export interface Notice {
  id: number;
  tone: 'warning' | 'error';
  message: string;
}

export interface SessionSnapshot {
  phase: SessionPhase;
  item: Assignment | null;
  /** The prefetched item that follows `item` (rendered ahead, hidden). */
  upcoming: Assignment | null;
  error: ApiError | null;
  notices: readonly Notice[];
}

export type NextFetcher = (projectId: number, after?: number) => Promise<Assignment | null>;

export interface SessionOptions extends DraftScope {
  next?: NextFetcher;
  send?: Sender;
  onUnauthenticated: () => void;
  /** After the server stored an entry (e.g. to refresh progress). */
  onStored?: (entry: OutboxEntry) => void;
  retryBaseDelayMs?: number;
}

const LABEL_LENGTH = 60;

export function outboxKey(scope: DraftScope): string {
  return `rankwise:outbox:v1:${scope.userId}:${scope.projectId}`;
}

function labelOf(item: { prompt: ItemPrompt }): string {
  const text = (item.prompt.messages?.at(-1)?.content ?? item.prompt.text).replace(/\s+/g, ' ').trim();
  return text.length > LABEL_LENGTH ? `${text.slice(0, LABEL_LENGTH - 1)}…` : text;
}

const WHAT: Record<OutboxEntry['kind'], string> = {
  ranking: 'ranking',
  skip: 'skip',
  flag: 'flag',
};

export class AnnotationSession {
  readonly outbox: Outbox;
  private readonly options: SessionOptions;
  private readonly next: NextFetcher;
  private readonly listeners = new Set<() => void>();
  private snapshot: SessionSnapshot = {
    phase: 'loading',
    item: null,
    upcoming: null,
    error: null,
    notices: [],
  };
  private prefetched: Assignment | null = null;
  private prefetching = false;
  /** The last prefetch found nothing after the item on screen. */
  private nothingAfter = false;
  private loadingCurrent = false;
  private active = false;
  private noticeId = 0;

  /** A method, not the field: the flag changes while we await. */
  private stopped(): boolean {
    return !this.active;
  }

  constructor(options: SessionOptions) {
    this.options = options;
    this.next = options.next ?? nextItem;
    const outboxOptions: ConstructorParameters<typeof Outbox>[0] = {
      storageKey: outboxKey(options),
      handlers: {
        stored: (entry) => {
          this.handleStored(entry);
        },
        rejected: (entry, error) => {
          this.handleRejected(entry, error);
        },
        unauthenticated: () => {
          options.onUnauthenticated();
        },
      },
    };
    if (options.send) outboxOptions.send = options.send;
    if (options.retryBaseDelayMs !== undefined) outboxOptions.baseDelayMs = options.retryBaseDelayMs;
    this.outbox = new Outbox(outboxOptions);
    this.outbox.subscribe(() => {
      this.handleOutboxChange();
    });
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): SessionSnapshot => this.snapshot;

  /** Begin (or resume) work; returns the function that stops it. */
  start(): () => void {
    this.active = true;
    const stopOutbox = this.outbox.start();
    if (this.snapshot.item === null) this.loadWhenSaved();
    else void this.prefetch();
    return () => {
      this.active = false;
      stopOutbox();
    };
  }

  /** Ask again after an error, or when the queue was empty. */
  reload(): void {
    this.loadWhenSaved();
  }

  finish(item: Assignment, action: FinishAction): void {
    if (this.snapshot.item?.id !== item.id) return;
    this.outbox.enqueue(this.entryFor(item, action));
    const following = this.prefetched;
    this.prefetched = null;
    if (following) {
      this.show(following);
    } else if (this.prefetching) {
      // The prefetch answer shows up in `prefetch` below.
      this.set({ phase: 'loading', item: null, upcoming: null, error: null });
    } else {
      this.loadWhenSaved();
    }
  }

  /**
   * Send a new ranking of an item from the annotator's history (a revision, or a ranking
   * instead of their skip). The item on screen stays where it is.
   */
  revise(item: { prompt: ItemPrompt }, action: RankingAction): void {
    this.outbox.enqueue(this.entryFor(item, action));
  }

  /** Resolves once everything finished so far is stored (or refused). */
  whenSaved(): Promise<void> {
    const outbox = this.outbox;
    if (outbox.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = outbox.subscribe(() => {
        if (outbox.size > 0) return;
        stop();
        resolve();
      });
    });
  }

  dismissNotice(id: number): void {
    this.set({ notices: this.snapshot.notices.filter((n) => n.id !== id) });
  }

  /** A message for the annotator that stays until dismissed. */
  inform(tone: Notice['tone'], message: string): void {
    this.notify(tone, message);
  }

  private entryFor(item: { prompt: ItemPrompt }, action: FinishAction): OutboxEntry {
    const requestId = uuid4();
    const common = {
      requestId,
      projectId: this.options.projectId,
      promptId: item.prompt.id,
      label: labelOf(item),
    };
    const prompt_id = item.prompt.id;
    switch (action.kind) {
      case 'ranking':
        return {
          ...common,
          kind: 'ranking',
          body: {
            prompt_id,
            tiers: action.tiers,
            display_order: action.displayOrder,
            time_spent_ms: Math.round(action.timeSpentMs),
            client_request_id: requestId,
          },
        };
      case 'skip':
        return { ...common, kind: 'skip', body: { prompt_id, reason: action.reason, client_request_id: requestId } };
      case 'flag':
        return {
          ...common,
          kind: 'flag',
          body: { prompt_id, reason: action.reason, note: action.note, client_request_id: requestId },
        };
    }
  }

  private set(patch: Partial<SessionSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    for (const listener of [...this.listeners]) listener();
  }

  private notify(tone: Notice['tone'], message: string): void {
    this.noticeId += 1;
    this.set({ notices: [...this.snapshot.notices, { id: this.noticeId, tone, message }] });
  }

  private show(item: Assignment): void {
    this.nothingAfter = false;
    this.set({ phase: 'ready', item, upcoming: null, error: null });
    void this.prefetch();
  }

  /** Load the current item once the outbox is empty (see the module comment). */
  private loadWhenSaved(): void {
    if (this.outbox.size > 0) {
      this.set({ phase: 'waiting', item: null, upcoming: null, error: null });
    } else {
      void this.loadCurrent();
    }
  }

  private handleOutboxChange(): void {
    if (!this.active || this.outbox.size > 0) return;
    if (this.snapshot.phase === 'waiting') void this.loadCurrent();
    else if (this.snapshot.phase === 'ready') void this.prefetch();
  }

  private async loadCurrent(): Promise<void> {
    if (this.loadingCurrent || !this.active) return;
    this.loadingCurrent = true;
    this.set({ phase: 'loading', item: null, upcoming: null, error: null });
    try {
      const item = await this.next(this.options.projectId);
      if (this.stopped()) return;
      if (item) this.show(item);
      else this.set({ phase: 'done' });
    } catch (err) {
      if (this.stopped()) return;
      const error = toApiError(err);
      if (error.isUnauthenticated) this.options.onUnauthenticated();
      else this.set({ phase: 'error', error });
    } finally {
      this.loadingCurrent = false;
    }
  }

  private async prefetch(): Promise<void> {
    const current = this.snapshot.item;
    if (!current || !this.active || this.prefetched || this.prefetching || this.nothingAfter) return;
    if (this.outbox.size > 0) return;
    this.prefetching = true;
    let result: Assignment | null | undefined;
    try {
      result = await this.next(this.options.projectId, current.prompt.id);
    } catch {
      result = undefined; // Asked for again when it is needed.
    } finally {
      this.prefetching = false;
    }
    if (this.stopped()) return;
    const usable =
      result && result.prompt.id !== current.prompt.id && !this.outbox.hasPrompt(result.prompt.id)
        ? result
        : null;
    if (this.snapshot.phase === 'loading' && this.snapshot.item === null) {
      // The annotator finished `current` while we were asking.
      if (usable) this.show(usable);
      else this.loadWhenSaved();
      return;
    }
    if (result === null) this.nothingAfter = true;
    if (usable && usable.prompt.id !== this.snapshot.item?.prompt.id) {
      this.prefetched = usable;
      this.set({ upcoming: usable });
    }
  }

  private handleStored(entry: OutboxEntry): void {
    removeDraft(this.options, entry.promptId);
    this.options.onStored?.(entry);
  }

  private handleRejected(entry: OutboxEntry, error: ApiError): void {
    const what = `Your ${WHAT[entry.kind]} of “${entry.label}” was not saved`;
    if (error.code === 'lease_lost') {
      removeDraft(this.options, entry.promptId);
      this.notify(
        'warning',
        `${what}: your lease on it expired and the item went to another annotator.`,
      );
      return;
    }
    const details = Object.values(error.fields).flat();
    const message = [error.message, ...details.filter((d) => d !== error.message)].join(' ');
    this.notify('error', `${what}: ${message}`);
  }
}
