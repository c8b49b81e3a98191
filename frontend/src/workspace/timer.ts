import { useEffect, useState } from 'react';

/**
 * Time spent on an item while the tab is visible: switching to another tab
 * or window-minimising pauses it.
 */
export class VisibleTimer {
  private accumulated: number;
  private since: number | null;

  constructor(initialMs = 0, now = performance.now(), visible = isVisible()) {
    this.accumulated = initialMs;
    this.since = visible ? now : null;
  }

  elapsed(now = performance.now()): number {
    return this.accumulated + (this.since === null ? 0 : now - this.since);
  }

  pause(now = performance.now()): void {
    if (this.since === null) return;
    this.accumulated += now - this.since;
    this.since = null;
  }

  resume(now = performance.now()): void {
    this.since ??= now;
  }
}

function isVisible(): boolean {
  return typeof document === 'undefined' || document.visibilityState !== 'hidden';
}

/**
 * A timer for the calling component: it runs while `running` and the tab is
 * visible (an item rendered ahead of time does not count time yet).
 */
export function useVisibleTimer(initialMs: number, running = true): VisibleTimer {
  const [timer] = useState(() => new VisibleTimer(initialMs, performance.now(), false));
  useEffect(() => {
    if (!running) return;
    function onVisibility() {
      if (isVisible()) timer.resume();
      else timer.pause();
    }
    onVisibility();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      document.removeEventListener('visibilitychange', onVisibility);
      timer.pause();
    };
  }, [timer, running]);
  return timer;
}

export function formatDuration(ms: number): string {
  const total = Math.floor(ms / 1000);
  const minutes = Math.floor(total / 60);
  const seconds = String(total % 60).padStart(2, '0');
  if (minutes < 60) return `${minutes}:${seconds}`;
  return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, '0')}:${seconds}`;
}
