import { useEffect, useState, useSyncExternalStore } from 'react';
import type { Outbox, OutboxStatus } from '../outbox';

/** Whole seconds left; `now` may be stale when the wait starts, the delay caps it. */
function secondsLeft(status: OutboxStatus, now: number): number {
  const left = status.retryAt === null ? 0 : status.retryAt - now;
  return Math.max(1, Math.ceil(Math.min(left, status.retryDelayMs ?? left) / 1000));
}

function describe(status: OutboxStatus, now: number): string {
  switch (status.state) {
    case 'sending':
      return status.attempt > 1 ? `Retrying… (attempt ${status.attempt})` : 'Saving…';
    case 'waiting':
      return `Not saved yet. Retrying in ${secondsLeft(status, now)} s…`;
    case 'blocked':
      return 'Not saved: sign in again to finish saving.';
    case 'idle':
      return status.savedAt === null ? '' : 'Saved';
  }
}

/** Where the last rankings are: saving, retrying after a failure, or saved. */
export function SaveStatus({ outbox }: { outbox: Outbox }) {
  const status = useSyncExternalStore(outbox.subscribe, outbox.getStatus);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => {
    if (status.state !== 'waiting') return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 250);
    return () => {
      clearInterval(timer);
    };
  }, [status.state]);

  const text = describe(status, status.state === 'waiting' ? now : 0);
  const pending = status.pending > 1 ? ` ${status.pending} items waiting.` : '';
  return (
    <div className={`save-status save-status--${status.state}`} role="status" aria-live="polite">
      {status.state === 'sending' && <span className="spinner" aria-hidden="true" />}
      <span className="save-status__text" data-state={status.state}>
        {text}
        {status.state !== 'idle' && pending}
      </span>
      {status.state === 'waiting' && (
        <>
          {status.error && <span className="visually-hidden"> {status.error}</span>}
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              outbox.retryNow();
            }}
          >
            Retry now
          </button>
        </>
      )}
    </div>
  );
}
