import { useCallback, useState } from 'react';
import type { ApiError } from '../../api/client';
import { toApiError, useAuth } from '../../auth/AuthContext';

export interface ActionHandle {
  /** The name of the action in flight, if any (to disable and label its button). */
  pending: string | null;
  /** The last action's failure, until the next action starts. */
  error: ApiError | null;
  /**
   * Run an action; resolves with its result, or `undefined` when it failed
   * (the failure is in `error`; a lost session signs the user out).
   */
  run: <T>(name: string, action: () => Promise<T>) => Promise<T | undefined>;
  /** Forget the last failure (the form found a problem of its own). */
  reset: () => void;
}

/** A button's request: one at a time, with its error kept for the page to show. */
export function useAction(): ActionHandle {
  const { sessionExpired } = useAuth();
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);

  const run = useCallback(
    async <T,>(name: string, action: () => Promise<T>): Promise<T | undefined> => {
      setPending(name);
      setError(null);
      try {
        return await action();
      } catch (err) {
        const apiError = toApiError(err);
        if (apiError.isUnauthenticated) sessionExpired();
        else setError(apiError);
        return undefined;
      } finally {
        setPending(null);
      }
    },
    [sessionExpired],
  );

  const reset = useCallback(() => {
    setError(null);
  }, []);

  return { pending, error, run, reset };
}
