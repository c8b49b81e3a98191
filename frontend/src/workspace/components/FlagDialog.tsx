import { useId, useState, type SubmitEvent } from 'react';
import type { FlagReason } from '../../api/client';
import { Dialog } from '../../shared/Dialog';

const REASONS: { value: FlagReason; label: string; detail: string }[] = [
  { value: 'unsafe', label: 'Unsafe content', detail: 'Harmful, abusive or illegal material.' },
  { value: 'broken', label: 'Broken item', detail: 'Garbled, truncated or missing text.' },
  { value: 'all_bad', label: 'All completions are bad', detail: 'None is worth ranking.' },
];
const MAX_NOTE = 2000;

interface FlagDialogProps {
  onFlag: (reason: FlagReason, note: string) => void;
  onClose: () => void;
}

/** Flag the item for an admin to review. */
export function FlagDialog({ onFlag, onClose }: FlagDialogProps) {
  const id = useId();
  const [reason, setReason] = useState<FlagReason | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);

  function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (reason === null) {
      setError('Choose what is wrong with the item.');
      return;
    }
    onFlag(reason, note.trim());
  }

  return (
    <Dialog title="Flag this item" onClose={onClose}>
      <form className="dialog__form" onSubmit={handleSubmit} noValidate>
        <fieldset
          className="choice-list"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        >
          <legend>What is wrong?</legend>
          {REASONS.map((option, index) => (
            <label key={option.value} className="choice">
              <input
                type="radio"
                name={`${id}-reason`}
                value={option.value}
                checked={reason === option.value}
                {...(index === 0 ? { 'data-autofocus': true } : {})}
                onChange={() => {
                  setReason(option.value);
                  setError(null);
                }}
              />
              <span>
                <span className="choice__label">{option.label}</span>
                <span className="choice__detail">{option.detail}</span>
              </span>
            </label>
          ))}
          {error && (
            <p className="field__error" id={`${id}-error`}>
              {error}
            </p>
          )}
        </fieldset>
        <div className="field">
          <label htmlFor={`${id}-note`}>Note (optional)</label>
          <textarea
            id={`${id}-note`}
            className="input textarea"
            rows={3}
            maxLength={MAX_NOTE}
            value={note}
            onChange={(event) => {
              setNote(event.target.value);
            }}
          />
        </div>
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary">
            Flag item
          </button>
        </div>
      </form>
    </Dialog>
  );
}
