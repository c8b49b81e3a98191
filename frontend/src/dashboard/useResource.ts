import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { isAbortError, type ApiError } from '../api/client';
import { toApiError, useAuth } from '../auth/AuthContext';

export type Resource<T> =
  | { status: 'loading' }
  | { status: 'loaded'; data: T }
  | { status: 'error'; error: ApiError };

interface Stored<T> {
  key: string;
  state: Resource<T>;
}

const LOADING = { status: 'loading' } as const;

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
 * Load something for a page: `key` names what is loaded (a new key loads anew),
 * a lost session signs the user out, other failures become the error state.
 */
export function useResource<T>(key: string, load: (signal: AbortSignal) => Promise<T>): ResourceHandle<T> {
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
        if (isAbortError(err)) return;
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
  }, [current, refreshes, sessionExpired]);

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

  return { state: stored?.key === current ? stored.state : LOADING, retry, refresh, update };
}
