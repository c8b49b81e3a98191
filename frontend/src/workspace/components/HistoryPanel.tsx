import { useId } from 'react';
import type { HistoryEntry } from '../../api/workspace';
import { FLAGGED_NOTE, LOCKED_NOTE, type HistoryState } from '../useWayBack';

const KIND_LABELS: Record<HistoryEntry['kind'], string> = {
  ranked: 'Ranked',
  skipped: 'Skipped',
  flagged: 'Flagged',
};

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateTimeFormat = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});

/** "14:05" today, "Mar 3, 14:05" before. */
export function formatWhen(iso: string, now = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toDateString() === now.toDateString() ? timeFormat.format(date) : dateTimeFormat.format(date);
}

interface HistoryPanelProps {
  history: HistoryState;
  /** Rankings are locked: the list is read-only. */
  locked: boolean;
  /** The prompt reopened now, if any. */
  openPromptId: number | null;
  onOpen: (promptId: number) => void;
  onRetry: () => void;
  onClose: () => void;
}

function why(entry: HistoryEntry, locked: boolean): string | undefined {
  if (locked) return LOCKED_NOTE;
  if (entry.kind === 'flagged') return FLAGGED_NOTE;
  return undefined;
}

/** The annotator's last items, newest first; each reopens to revise it. */
export function HistoryPanel({ history, locked, openPromptId, onOpen, onRetry, onClose }: HistoryPanelProps) {
  const headingId = useId();
  const entries = history.status === 'idle' ? null : history.entries;
  return (
    <aside className="side-panel history" aria-labelledby={headingId}>
      <div className="side-panel__header">
        <h2 className="panel-title" id={headingId}>
          Your recent items
        </h2>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          Hide
        </button>
      </div>
      {locked ? (
        <p className="history__note history__note--locked">{LOCKED_NOTE}</p>
      ) : (
        <p className="history__note">
          Open one to revise it; <kbd>P</kbd> opens the previous item.
        </p>
      )}
      {history.status === 'error' && (
        <div className="history__error" role="alert">
          <p>Couldn’t load your recent items: {history.message}</p>
          <button type="button" className="button button--small" onClick={onRetry}>
            Try again
          </button>
        </div>
      )}
      {entries === null ? (
        history.status === 'loading' && (
          <p className="history__note" role="status">
            Loading…
          </p>
        )
      ) : entries.length === 0 ? (
        <p className="history__note">Nothing yet: the items you rank, skip or flag show up here.</p>
      ) : (
        <ol className="history__list">
          {entries.map((entry) => {
            const refused = why(entry, locked);
            return (
              <li key={entry.ranking_id}>
                <button
                  type="button"
                  className="history__entry"
                  disabled={refused !== undefined}
                  title={refused}
                  aria-current={entry.prompt_id === openPromptId ? 'true' : undefined}
                  onClick={() => {
                    onOpen(entry.prompt_id);
                  }}
                >
                  <span className="history__meta">
                    <span className={`history__kind history__kind--${entry.kind}`}>{KIND_LABELS[entry.kind]}</span>
                    <time dateTime={entry.created_at}>{formatWhen(entry.created_at)}</time>
                    {entry.revision > 1 && <span>· revised</span>}
                  </span>
                  <span className="history__excerpt">{entry.excerpt === '' ? '(no prompt text)' : entry.excerpt}</span>
                </button>
              </li>
            );
          })}
        </ol>
      )}
    </aside>
  );
}
