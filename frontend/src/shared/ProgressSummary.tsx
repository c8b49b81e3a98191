import type { Progress } from '../api/client';

const numberFormat = new Intl.NumberFormat();

/** "12 ranked today · 793 left for you" */
export function ProgressSummary({ progress, className }: { progress: Progress; className?: string }) {
  return (
    <p className={className ? `progress-summary ${className}` : 'progress-summary'}>
      <span>
        <strong>{numberFormat.format(progress.ranked_today)}</strong> ranked today
      </span>
      <span aria-hidden="true"> · </span>
      <span>
        <strong>{numberFormat.format(progress.remaining_for_me)}</strong> left for you
      </span>
    </p>
  );
}
