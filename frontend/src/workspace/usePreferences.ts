import { useCallback, useEffect, useRef, useState } from 'react';
import { getPreferences, updatePreferences, type Preferences } from '../api/workspace';
import { toApiError } from '../auth/AuthContext';

/** What the server answers for a user who never changed anything. */
export const DEFAULT_PREFERENCES: Preferences = { advance_after_rank: true };

export interface PreferencesState {
  preferences: Preferences;
  /** Why the last change could not be saved (it was undone), if it could not. */
  error: string | null;
  change: (changes: Partial<Preferences>) => void;
}

/**
 * The annotator's workspace preferences, kept on the server. The defaults apply until
 * they load (or when they cannot: a preference is never a reason to stop working). A
 * change shows at once and is undone if the server refuses it.
 */
export function usePreferences(): PreferencesState {
  const [preferences, setPreferences] = useState<Preferences>(DEFAULT_PREFERENCES);
  const [error, setError] = useState<string | null>(null);
  const saved = useRef<Preferences>(DEFAULT_PREFERENCES);
  const changed = useRef(false);

  useEffect(() => {
    const controller = new AbortController();
    getPreferences(controller.signal).then(
      (loaded) => {
        saved.current = loaded;
        // A change made while they loaded wins over what they were.
        if (!changed.current) setPreferences(loaded);
      },
      () => {
        // Keep the defaults.
      },
    );
    return () => {
      controller.abort();
    };
  }, []);

  const change = useCallback((changes: Partial<Preferences>) => {
    changed.current = true;
    setError(null);
    setPreferences((current) => ({ ...current, ...changes }));
    updatePreferences(changes).then(
      (stored) => {
        saved.current = stored;
        setPreferences(stored);
      },
      (err: unknown) => {
        setPreferences(saved.current);
        setError(`Your setting was not saved: ${toApiError(err).message}`);
      },
    );
  }, []);

  return { preferences, error, change };
}
