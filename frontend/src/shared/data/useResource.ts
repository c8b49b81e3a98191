import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { isAbortError, type ApiError } from '../../api/client';
import { toApiError, useAuth } from '../../auth/AuthContext';
import { POLL_MS, usePolling } from './usePolling';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'loaded'; data: T }
  | { status: 'error'; error: ApiError };

interface Stored<T> {
  key: string;
  state: Resource<T>;
}

const LOADING = { status: 'loading' } as const;

export interface ResourceOptions<T> {
  /**
   * Load again in the background every `POLL_MS` while the data on screen is still
   * changing (a build, an export, a training run). A failed poll keeps what is shown
   * and waits for the next turn.
   */
  pollWhile?: (data: T) => boolean;
  /**
   * For niceties (progress numbers): a failure, a lost session included, never shows
   * an error nor signs anyone out; the state stays what it was.
   */
  quiet?: boolean;
}

export interface ResourceHandle<T> {
  state: Resource<T>;
  /** Load again from scratch (after an error): shows the loading state. */
  retry: () => void;
  /** Load again in the background, keeping what is shown until the answer comes. */
  refresh: () => void;
  /** Change the loaded data in place (with what an action answered). */
  update: (change: (data: T) => T) => void;
}

/**
 * The one way the app reads from the API. `key` names what is loaded (a new key loads
 * anew, and an answer for an older key is never shown), the request is aborted on
 * unmount or a new key, a lost session signs the user out, other failures become the
 * error state.
 */
export function useResource<T>(
  key: string,
  load: (signal: AbortSignal) => Promise<T>,
  options: ResourceOptions<T> = {},
): ResourceHandle<T> {
  const { pollWhile, quiet = false } = options;
  const { sessionExpired } = useAuth();
  const [attempt, setAttempt] = useState(0);
  const [refreshes, setRefreshes] = useState(0);
  const [stored, setStored] = useState<Stored<T> | null>(null);
  const current = `${key}#${attempt}`;
  const fetchData = useEffectEvent((signal: AbortSignal) => load(signal));

  useEffect(() => {
    const controller = new AbortController();
    fetchData(controller.signal).then(
      (data) => {
        setStored({ key: current, state: { status: 'loaded', data } });
      },
      (err: unknown) => {
        if (isAbortError(err) || quiet) return;
        const error = toApiError(err);
        if (error.isUnauthenticated) {
          sessionExpired();
          return;
        }
        // A failed background refresh keeps what is on screen.
        setStored((before) =>
          before?.key === current && before.state.status === 'loaded'
            ? before
            : { key: current, state: { status: 'error', error } },
        );
      },
    );
    return () => {
      controller.abort();
    };
  }, [current, refreshes, sessionExpired, quiet]);

  const shown = stored?.key === current ? stored.state : LOADING;
  usePolling(
    async (signal) => {
      // usePolling always calls the latest `load`.
      const data = await load(signal);
      // An answer for a key no longer shown is dropped.
      setStored((before) => (before?.key === current ? { key: current, state: { status: 'loaded', data } } : before));
    },
    POLL_MS,
    shown.status === 'loaded' && (pollWhile?.(shown.data) ?? false),
  );

  const retry = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);
  const refresh = useCallback(() => {
    setRefreshes((n) => n + 1);
  }, []);
  const update = useCallback((change: (data: T) => T) => {
    setStored((before) =>
      before?.state.status === 'loaded'
        ? { key: before.key, state: { status: 'loaded', data: change(before.state.data) } }
        : before,
    );
  }, []);

  return { state: shown, retry, refresh, update };
}
