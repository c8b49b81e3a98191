import { useEffect, useRef } from 'react';
import type { TrainingLogLine } from '../../api/training';

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

function time(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : timeFormat.format(date);
}

/** The worker's log lines, kept scrolled to the newest unless the reader scrolled up. */
export function RunLog({ lines }: { lines: readonly TrainingLogLine[] }) {
  const box = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  useEffect(() => {
    const element = box.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [lines]);

  if (lines.length === 0) return <p className="muted">No log lines yet.</p>;
  return (
    <div
      ref={box}
      className="run-log"
      role="log"
      aria-label="Run log"
      tabIndex={0}
      onScroll={(event) => {
        const element = event.currentTarget;
        pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
      }}
    >
      <ol className="run-log__lines">
        {lines.map((line) => (
          <li key={line.seq} className="run-log__line">
            <time className="run-log__time" dateTime={line.at}>
              {time(line.at)}
            </time>
            <span className="run-log__message">{line.message}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
