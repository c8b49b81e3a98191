import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import {
  ApiError,
  getSession,
  isAbortError,
  login as apiLogin,
  logout as apiLogout,
  UNEXPECTED_RESPONSE,
  type LoginRequest,
  type User,
} from '../api/client';

export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: User }
  | { status: 'error'; error: ApiError };

export interface AuthContextValue {
  state: AuthState;
  /** Sign in; rejects with `ApiError` on failure. */
  signIn: (credentials: LoginRequest) => Promise<User>;
  signOut: () => Promise<void>;
  /** Call when an API request reports that the session is gone. */
  sessionExpired: () => void;
  /** Load the session again (after a failure). */
  reload: () => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  return new ApiError({
    status: 0,
    code: UNEXPECTED_RESPONSE,
    message: 'Something went wrong. Please try again.',
    fields: {},
  });
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<AuthState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getSession(controller.signal).then(
      ({ user }) => {
        setState(user ? { status: 'signed-in', user } : { status: 'signed-out' });
      },
      (err: unknown) => {
        if (isAbortError(err)) return;
        setState({ status: 'error', error: toApiError(err) });
      },
    );
    return () => {
      controller.abort();
    };
  }, [attempt]);

  const signIn = useCallback(async (credentials: LoginRequest) => {
    const { user } = await apiLogin(credentials);
    if (!user) {
      throw new ApiError({
        status: 200,
        code: UNEXPECTED_RESPONSE,
        message: 'Sign-in did not complete. Please try again.',
        fields: {},
      });
    }
    setState({ status: 'signed-in', user });
    return user;
  }, []);

  const signOut = useCallback(async () => {
    try {
      await apiLogout();
    } catch {
      // Even if the server could not be reached, forget the user locally;
      // the next session check reflects the server's view.
    }
    setState({ status: 'signed-out' });
  }, []);

  const sessionExpired = useCallback(() => {
    setState({ status: 'signed-out' });
  }, []);

  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo(
    () => ({ state, signIn, signOut, sessionExpired, reload }),
    [state, signIn, signOut, sessionExpired, reload],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}
