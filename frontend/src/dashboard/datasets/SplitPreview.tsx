import { useEffect, useState } from 'react';
import { isAbortError } from '../../api/client';
import { previewDatasetVersion, type DatasetVersionCreate, type DatasetVersionPreview } from '../../api/dashboard';
import { toApiError } from '../../auth/AuthContext';
import { formatCount } from '../../shared/format';

/** Counted again this long after the form last changed, not on every keystroke. */
const SETTLE_MS = 400;
/** Fewer training prompts than this make a run of a handful of steps. */
const FEW_TRAINING_PROMPTS = 20;

type Counted = { key: string; counts: DatasetVersionPreview } | { key: string; error: string };

function plural(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

function Warnings({ counts }: { counts: DatasetVersionPreview }) {
  const warnings: string[] = [];
  if (counts.train.prompts === 0) {
    warnings.push('No training prompts: no run can train on this version.');
  } else if (counts.train.prompts < FEW_TRAINING_PROMPTS) {
    warnings.push(`Only ${plural(counts.train.prompts, 'training prompt')}: a run on it makes very few steps.`);
  }
  if (counts.validation.prompts === 0) {
    warnings.push(
      'No validation prompts: a training run needs them to pick its best weights, so it would be refused. Raise the validation share or rank more prompts.',
    );
  }
  if (warnings.length === 0) return null;
  return (
    <div className="notice notice--warning">
      {warnings.map((warning) => (
        <p key={warning}>{warning}</p>
      ))}
    </div>
  );
}

/**
 * What a version built from the form as it stands would hold, per split, counted by the
 * server the way a build counts: an empty validation split is seen before it is built.
 * `body` is null while the form has an error.
 */
export function SplitPreview({ projectId, body }: { projectId: number; body: DatasetVersionCreate | null }) {
  // The name does not change what a version holds.
  const key = body === null ? null : JSON.stringify({ ...body, name: '' });
  const [counted, setCounted] = useState<Counted | null>(null);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const timer = window.setTimeout(() => {
      previewDatasetVersion(projectId, JSON.parse(key) as DatasetVersionCreate, controller.signal).then(
        (counts) => {
          setCounted({ key, counts });
        },
        (err: unknown) => {
          if (!isAbortError(err)) setCounted({ key, error: toApiError(err).message });
        },
      );
    }, SETTLE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [projectId, key]);

  const current = counted !== null && counted.key === key ? counted : null;
  return (
    <div className="split-preview form-grid__wide" aria-live="polite">
      {key === null ? null : current === null ? (
        <p className="muted">Counting the prompts each split would get…</p>
      ) : 'error' in current ? (
        <p className="muted">The expected counts couldn’t be worked out ({current.error}).</p>
      ) : (
        <>
          <p className="split-preview__counts">
            This version would hold{' '}
            {(['train', 'validation', 'test'] as const).map((split, index) => (
              <span key={split}>
                {index > 0 ? ' · ' : ''}
                {split} <strong>{plural(current.counts[split].prompts, 'prompt')}</strong> (
                {plural(current.counts[split].pairs, 'pair')})
              </span>
            ))}
            .
          </p>
          <Warnings counts={current.counts} />
        </>
      )}
    </div>
  );
}
