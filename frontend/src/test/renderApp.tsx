/** Rendering the whole app at a URL, as the dashboard page tests do. */
import { act, render } from '@testing-library/react';
import { vi } from 'vitest';
import { App } from '../App';
import { AuthProvider } from '../auth/AuthContext';

export function renderAt(path: string) {
  window.history.replaceState(null, '', path);
  return render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
}

/** Let polls (and the answers they get) happen under fake timers. */
export async function elapse(ms: number) {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** Wait for a lazily loaded page's first render. */
export const LOAD = { timeout: 5000 };
