import { act, renderHook, waitFor } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/client';
import { AuthProvider, useAuth } from '../../auth/AuthContext';
import { alice, jsonResponse, mockFetch } from '../../test/http';
import { POLL_MS } from './usePolling';
import { useResource, type ResourceOptions } from './useResource';

function wrapper({ children }: { children: ReactNode }) {
  return <AuthProvider>{children}</AuthProvider>;
}

/** A promise settled by the test, to order answers as a slow network would. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const unauthenticated = new ApiError({ status: 401, code: 'not_authenticated', message: 'Sign in.', fields: {} });

function useResourceAndAuth<T>(key: string, load: (signal: AbortSignal) => Promise<T>, options?: ResourceOptions<T>) {
  return { resource: useResource(key, load, options), auth: useAuth().state.status };
}

describe('useResource', () => {
  beforeEach(() => {
    mockFetch(() => jsonResponse(200, { user: alice }));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('never shows an answer for a key it no longer shows, and aborts its request', async () => {
    const answers: Record<string, ReturnType<typeof deferred<string>>> = { a: deferred(), b: deferred() };
    const signals: Record<string, AbortSignal> = {};
    const { result, rerender } = renderHook(
      ({ key }: { key: string }) =>
        useResource(key, (signal) => {
          signals[key] = signal;
          return answers[key]?.promise ?? Promise.reject(new Error(key));
        }),
      { wrapper, initialProps: { key: 'a' } },
    );
    rerender({ key: 'b' });
    expect(signals.a?.aborted).toBe(true);

    await act(async () => {
      answers.a?.resolve('late answer for a');
      await answers.a?.promise;
    });
    expect(result.current.state).toEqual({ status: 'loading' });

    await act(async () => {
      answers.b?.resolve('b');
      await answers.b?.promise;
    });
    expect(result.current.state).toEqual({ status: 'loaded', data: 'b' });
  });

  it('keeps what is shown when a background refresh fails', async () => {
    const load = vi.fn<(signal: AbortSignal) => Promise<string>>().mockResolvedValueOnce('first');
    const { result } = renderHook(() => useResource('thing', load), { wrapper });
    await waitFor(() => {
      expect(result.current.state).toEqual({ status: 'loaded', data: 'first' });
    });

    load.mockRejectedValueOnce(new ApiError({ status: 500, code: 'server_error', message: 'Down.', fields: {} }));
    act(() => {
      result.current.refresh();
    });
    await waitFor(() => {
      expect(load).toHaveBeenCalledTimes(2);
    });
    expect(result.current.state).toEqual({ status: 'loaded', data: 'first' });
  });

  it('polls every POLL_MS while pollWhile holds, and stops once it does not', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const load = vi
      .fn<(signal: AbortSignal) => Promise<string>>()
      .mockResolvedValueOnce('building')
      .mockResolvedValueOnce('building')
      .mockResolvedValue('ready');
    const { result } = renderHook(() => useResource('version', load, { pollWhile: (data) => data === 'building' }), {
      wrapper,
    });
    await waitFor(() => {
      expect(result.current.state).toEqual({ status: 'loaded', data: 'building' });
    });
    expect(load).toHaveBeenCalledTimes(1);

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(load).toHaveBeenCalledTimes(2);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS);
    });
    expect(load).toHaveBeenCalledTimes(3);
    expect(result.current.state).toEqual({ status: 'loaded', data: 'ready' });

    await act(async () => {
      await vi.advanceTimersByTimeAsync(POLL_MS * 3);
    });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('signs the user out when the session is gone', async () => {
    const answer = deferred<string>();
    const { result } = renderHook(() => useResourceAndAuth('thing', () => answer.promise), { wrapper });
    await waitFor(() => {
      expect(result.current.auth).toBe('signed-in');
    });
    answer.reject(unauthenticated);
    await waitFor(() => {
      expect(result.current.auth).toBe('signed-out');
    });
    expect(result.current.resource.state).toEqual({ status: 'loading' });
  });

  it('a quiet resource neither shows an error nor signs anyone out', async () => {
    const answer = deferred<string>();
    const { result } = renderHook(() => useResourceAndAuth('progress', () => answer.promise, { quiet: true }), {
      wrapper,
    });
    await waitFor(() => {
      expect(result.current.auth).toBe('signed-in');
    });
    await act(async () => {
      answer.reject(unauthenticated);
      await answer.promise.catch(() => undefined);
    });
    expect(result.current.resource.state).toEqual({ status: 'loading' });
    expect(result.current.auth).toBe('signed-in');
  });
});
