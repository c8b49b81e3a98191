/**
 * The annotator's way back: their recent items (the history panel), one of them
 * reopened to revise, and "previous" (the item before the one on screen). The item of
 * the queue stays where it is meanwhile; closing the reopened item goes back to it.
 */
import { useCallback, useRef, useState } from 'react';
import { getHistory, getHistoryItem, type HistoryEntry, type HistoryItem } from '../api/workspace';
import { toApiError } from '../auth/AuthContext';
import type { AnnotationSession, RankingAction } from './session';

export type HistoryState =
  | { status: 'idle' }
  | { status: 'loading'; entries: HistoryEntry[] | null }
  | { status: 'ready'; entries: HistoryEntry[] }
  | { status: 'error'; message: string; entries: HistoryEntry[] | null };

export type Reopened =
  /** `promptId` is null while "previous" waits for the last ranking to be saved. */
  | { status: 'loading'; promptId: number | null }
  | { status: 'ready'; item: HistoryItem }
  | { status: 'error'; promptId: number | null; message: string };

export const LOCKED_NOTE =
  'Rankings in this project are locked: your earlier items can no longer be changed.';
export const FLAGGED_NOTE = 'A flagged item goes to an admin: it cannot be changed here.';

interface WayBackOptions {
  projectId: number;
  session: AnnotationSession;
  locked: boolean;
  onUnauthenticated: () => void;
}

function promptIdOf(reopened: Reopened | null): number | null {
  if (reopened === null) return null;
  return reopened.status === 'ready' ? reopened.item.prompt.id : reopened.promptId;
}

function entriesOf(state: HistoryState): HistoryEntry[] | null {
  return state.status === 'idle' ? null : state.entries;
}

export function useWayBack({ projectId, session, locked, onUnauthenticated }: WayBackOptions) {
  const [history, setHistory] = useState<HistoryState>({ status: 'idle' });
  const [reopened, setReopenedState] = useState<Reopened | null>(null);
  const current = useRef<Reopened | null>(null);
  // Only the latest request may change what is reopened.
  const ticket = useRef(0);

  const setReopened = useCallback((next: Reopened | null) => {
    current.current = next;
    setReopenedState(next);
  }, []);

  const loadHistory = useCallback(async (): Promise<HistoryEntry[] | null> => {
    setHistory((state) => ({ status: 'loading', entries: entriesOf(state) }));
    try {
      const page = await getHistory(projectId);
      setHistory({ status: 'ready', entries: page.results });
      return page.results;
    } catch (err) {
      const error = toApiError(err);
      if (error.isUnauthenticated) onUnauthenticated();
      setHistory((state) => ({ status: 'error', message: error.message, entries: entriesOf(state) }));
      return null;
    }
  }, [projectId, onUnauthenticated]);

  const load = useCallback(
    async (promptId: number, mine: number) => {
      try {
        const item = await getHistoryItem(projectId, promptId);
        if (mine !== ticket.current) return;
        if (item.can_revise) {
          setReopened({ status: 'ready', item });
          return;
        }
        setReopened(null);
        session.inform('warning', item.ranking.kind === 'flagged' ? FLAGGED_NOTE : LOCKED_NOTE);
      } catch (err) {
        if (mine !== ticket.current) return;
        const error = toApiError(err);
        if (error.isUnauthenticated) onUnauthenticated();
        setReopened({ status: 'error', promptId, message: error.message });
      }
    },
    [projectId, session, setReopened, onUnauthenticated],
  );

  /** Reopen one of the annotator's items to revise it. */
  const open = useCallback(
    (promptId: number) => {
      ticket.current += 1;
      setReopened({ status: 'loading', promptId });
      void load(promptId, ticket.current);
    },
    [load, setReopened],
  );

  /** Reopen the item before the reopened one, or the last one done when none is. */
  const previous = useCallback(async () => {
    if (locked) {
      session.inform('warning', LOCKED_NOTE);
      return;
    }
    ticket.current += 1;
    const mine = ticket.current;
    const from = promptIdOf(current.current);
    setReopened({ status: 'loading', promptId: null });
    // The ranking just submitted may still be on its way: it is the previous item.
    await session.whenSaved();
    const entries = await loadHistory();
    if (mine !== ticket.current) return;
    if (entries === null) {
      setReopened({ status: 'error', promptId: null, message: 'Your recent items could not be loaded.' });
      return;
    }
    const after = from === null ? 0 : entries.findIndex((entry) => entry.prompt_id === from) + 1;
    // Not found (older than the page of history): nothing to go on from.
    const rest = from !== null && after === 0 ? [] : entries.slice(after);
    const target = rest.find((entry) => entry.kind !== 'flagged');
    if (!target) {
      setReopened(null);
      const none = from === null ? 'You have not ranked anything here yet.' : 'There is no earlier item in your recent history.';
      session.inform('warning', none);
      return;
    }
    setReopened({ status: 'loading', promptId: target.prompt_id });
    await load(target.prompt_id, mine);
  }, [locked, session, loadHistory, load, setReopened]);

  /** Back to the item of the queue. */
  const close = useCallback(() => {
    ticket.current += 1;
    setReopened(null);
  }, [setReopened]);

  /** Send the revision and go back to the queue. */
  const save = useCallback(
    (item: HistoryItem, action: RankingAction) => {
      session.revise(item, action);
      close();
    },
    [session, close],
  );

  return { history, loadHistory, reopened, open, previous, close, save };
}
