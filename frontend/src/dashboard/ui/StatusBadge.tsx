const TONES: Record<string, string> = {
  queued: 'neutral',
  building: 'active',
  running: 'active',
  ready: 'success',
  succeeded: 'success',
  failed: 'danger',
  cancelled: 'neutral',
  stalled: 'warning',
};

const LABELS: Record<string, string> = {
  queued: 'Queued',
  building: 'Building',
  running: 'Running',
  ready: 'Ready',
  succeeded: 'Succeeded',
  failed: 'Failed',
  cancelled: 'Cancelled',
  stalled: 'Stalled',
};

export function statusLabel(status: string): string {
  return LABELS[status] ?? status;
}

/** The state of a dataset build, an export or a training run. */
export function StatusBadge({ status }: { status: string }) {
  const tone = TONES[status] ?? 'neutral';
  return (
    <span className={`status-badge status-badge--${tone}`}>
      {(tone === 'active' || status === 'queued') && <span className="status-badge__dot" aria-hidden="true" />}
      {statusLabel(status)}
    </span>
  );
}
