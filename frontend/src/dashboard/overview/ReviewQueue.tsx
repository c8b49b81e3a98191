import { useState } from 'react';
import { listReviews, reviewFlag, type FlaggedItem, type ReviewDecision } from '../../api/dashboard';
import { formatDateTime, MISSING } from '../../shared/format';
import { useAction } from '../../shared/data/useAction';
import { useResource } from '../../shared/data/useResource';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';

const REASONS: Record<string, string> = {
  unsafe: 'Unsafe content',
  broken: 'Broken item',
  all_bad: 'All completions are bad',
};

const DONE: Record<ReviewDecision, string> = { resolved: 'Resolved', dismissed: 'Dismissed' };

interface ReviewQueueProps {
  projectId: number;
  /** Only admins resolve or dismiss; researchers may look. */
  canReview: boolean;
}

/** Items annotators flagged, waiting for an admin. */
export function ReviewQueue({ projectId, canReview }: ReviewQueueProps) {
  const [page, setPage] = useState(1);
  const { state, retry, refresh, update } = useResource(`reviews:${projectId}:${page}`, (signal) =>
    listReviews(projectId, page, signal),
  );
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);

  async function review(item: FlaggedItem, decision: ReviewDecision) {
    const reviewed = await action.run(`${decision}:${item.id}`, () => reviewFlag(projectId, item.id, decision));
    if (!reviewed) return;
    update((list) => ({ ...list, count: list.count - 1, results: list.results.filter((r) => r.id !== item.id) }));
    // The last one of a page: the next page's items move up into it.
    if (state.status === 'loaded' && state.data.results.length === 1 && state.data.next) refresh();
    setDone(`${DONE[decision]} the flag on ${item.external_id}.`);
  }

  if (state.status === 'loading') return <LoadingState>Loading flagged items…</LoadingState>;
  if (state.status === 'error') {
    return <ErrorState title="Couldn’t load the flagged items." error={state.error} onRetry={retry} />;
  }
  const { results, count, next, previous } = state.data;
  return (
    <div className="stack">
      <p className="visually-hidden" role="status">
        {done}
      </p>
      {action.error && (
        <div className="form-alert" role="alert">
          <p>{action.error.message}</p>
        </div>
      )}
      {results.length === 0 ? (
        <EmptyState title="No flagged items waiting for review." />
      ) : (
        <div className="table-scroll">
          <table className="data-table">
            <caption className="visually-hidden">Flagged items</caption>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col">Flagged by</th>
                <th scope="col">Reason</th>
                <th scope="col">Note</th>
                <th scope="col">Flagged</th>
                {canReview && <th scope="col">Review</th>}
              </tr>
            </thead>
            <tbody>
              {results.map((item) => (
                <tr key={item.id}>
                  <th scope="row" className="mono">
                    {item.external_id}
                  </th>
                  <td>{item.annotator}</td>
                  <td>{item.flag_reason ? (REASONS[item.flag_reason] ?? item.flag_reason) : MISSING}</td>
                  <td className="cell-text">{item.flag_note === '' || item.flag_note === undefined ? MISSING : item.flag_note}</td>
                  <td>{formatDateTime(item.created_at)}</td>
                  {canReview && (
                    <td>
                      <div className="button-row">
                        <button
                          type="button"
                          className="button button--small"
                          disabled={action.pending !== null}
                          aria-label={`Resolve the flag on ${item.external_id}`}
                          onClick={() => void review(item, 'resolved')}
                        >
                          Resolve
                        </button>
                        <button
                          type="button"
                          className="button button--small button--ghost"
                          disabled={action.pending !== null}
                          aria-label={`Dismiss the flag on ${item.external_id}`}
                          onClick={() => void review(item, 'dismissed')}
                        >
                          Dismiss
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {(Boolean(previous) || Boolean(next)) && (
        <nav className="pagination" aria-label="Flagged items pages">
          <button
            type="button"
            className="button button--small"
            disabled={!previous}
            onClick={() => {
              setPage((p) => p - 1);
            }}
          >
            Previous
          </button>
          <span className="pagination__page">
            Page {page} · {count} flagged
          </span>
          <button
            type="button"
            className="button button--small"
            disabled={!next}
            onClick={() => {
              setPage((p) => p + 1);
            }}
          >
            Next
          </button>
        </nav>
      )}
    </div>
  );
}
