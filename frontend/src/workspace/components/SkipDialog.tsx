import { useId, useState, type SubmitEvent } from 'react';
import { Dialog } from '../../shared/Dialog';

const MAX_REASON = 500;
const COMMON_REASONS = ['Outside my expertise', 'Prompt is unclear', 'Cannot judge without more context'];

interface SkipDialogProps {
  onSkip: (reason: string) => void;
  onClose: () => void;
}

/** Skip the item, saying why (the reason is required). */
export function SkipDialog({ onSkip, onClose }: SkipDialogProps) {
  const id = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);

  function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const trimmed = reason.trim();
    if (trimmed === '') {
      setError('Say why you skip this item.');
      return;
    }
    onSkip(trimmed);
  }

  return (
    <Dialog title="Skip this item" onClose={onClose}>
      <form className="dialog__form" onSubmit={handleSubmit} noValidate>
        <div className="reason-presets" role="group" aria-label="Common reasons">
          {COMMON_REASONS.map((preset) => (
            <button
              key={preset}
              type="button"
              className="button button--small"
              onClick={() => {
                setReason(preset);
                setError(null);
              }}
            >
              {preset}
            </button>
          ))}
        </div>
        <div className="field">
          <label htmlFor={`${id}-reason`}>Reason</label>
          <textarea
            id={`${id}-reason`}
            className={`input textarea${error ? ' input--invalid' : ''}`}
            data-autofocus
            rows={3}
            maxLength={MAX_REASON}
            value={reason}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(event) => {
              setReason(event.target.value);
              setError(null);
            }}
          />
          {error && (
            <p className="field__error" id={`${id}-error`}>
              {error}
            </p>
          )}
        </div>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary">
            Skip item
          </button>
        </div>
      </form>
    </Dialog>
  );
}
