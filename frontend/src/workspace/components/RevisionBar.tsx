import type { HistoryItem } from '../../api/workspace';
import { formatWhen } from './HistoryPanel';

interface RevisionBarProps {
  ranking: HistoryItem['ranking'];
  onClose: () => void;
}

/** Says which earlier item is open and what saving does; the way back to the queue. */
export function RevisionBar({ ranking, onClose }: RevisionBarProps) {
  const when = formatWhen(ranking.created_at);
  return (
    <div className="revision-bar" role="status">
      <p>
        {ranking.kind === 'skipped' ? (
          <>
            <strong>You skipped this item</strong> at {when}
            {ranking.skip_reason === '' ? '' : ` (“${ranking.skip_reason}”)`}. Rank it to replace the skip, while it
            still needs raters.
          </>
        ) : (
          <>
            <strong>Revising your ranking</strong> from {when}
            {ranking.revision > 1 ? ` (revised ${String(ranking.revision - 1)}×)` : ''}, as you saw it. Saving
            replaces it.
          </>
        )}
      </p>
      <button type="button" className="button button--small" aria-keyshortcuts="Escape" onClick={onClose}>
        Back to the current item <kbd>Esc</kbd>
      </button>
    </div>
  );
}
