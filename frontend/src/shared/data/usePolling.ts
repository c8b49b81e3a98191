import { useEffect, useEffectEvent } from 'react';

/**
 * Call `poll` every `intervalMs` while `active`. The next call is timed from
 * when the last one settled, so a slow server never gets calls piled up.
 * `poll` handles its own failures; a rejection just waits for the next turn.
 */
export function usePolling(poll: (signal: AbortSignal) => Promise<unknown>, intervalMs: number, active: boolean): void {
  const onPoll = useEffectEvent(poll);
  useEffect(() => {
    if (!active) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      timer = setTimeout(() => {
        onPoll(controller.signal)
          .catch(() => undefined)
          .finally(() => {
            if (!controller.signal.aborted) schedule();
          });
      }, intervalMs);
    };
    schedule();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [active, intervalMs]);
}

/** How often live things (builds, exports, training runs) are asked about. */
export const POLL_MS = 2000;
