import { useEffect, useState } from 'react';
import { formatDuration, type VisibleTimer } from '../timer';

/** Time on the current item (paused while the tab is hidden). */
export function ItemTimer({ timer }: { timer: VisibleTimer }) {
  const [elapsed, setElapsed] = useState(() => timer.elapsed());

  useEffect(() => {
    const interval = setInterval(() => {
      setElapsed(timer.elapsed());
    }, 1000);
    return () => {
      clearInterval(interval);
    };
  }, [timer]);

  return (
    <span className="item-timer" title="Time on this item">
      <span className="visually-hidden">Time on this item: </span>
      <svg className="item-timer__icon" viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
        <circle cx="8" cy="9" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
        <path d="M8 6v3l2 1.5M6.5 1.5h3" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
      </svg>
      {formatDuration(elapsed)}
    </span>
  );
}
