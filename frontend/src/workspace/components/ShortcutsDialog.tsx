import { useId } from 'react';
import { Dialog } from '../../shared/Dialog';

function shortcuts(advanceAfterRank: boolean): [keys: string, action: string][] {
  return [
    ['Tab, ← → ↑ ↓', 'Move between completions'],
    [
      '1 … 9',
      advanceAfterRank
        ? 'Put the focused completion in that rank, then move focus to the next completion'
        : 'Put the focused completion in that rank (focus stays on it)',
    ],
    ['Same number again', 'Tie with the completion already there (when the project allows ties)'],
    ['0, Backspace', 'Take the focused completion out of its rank'],
    ['R', 'Show the focused completion as raw text (exactly as written), or rendered'],
    ['Enter', 'Submit the ranking (when every completion has a rank)'],
    ['S', 'Skip the item (asks for a reason)'],
    ['F', 'Flag the item'],
    ['P', 'Reopen the previous item to revise it (again: the one before)'],
    ['H', 'Show or hide your recent items'],
    ['G', 'Show or hide the guidelines'],
    ['?', 'Show this list'],
    ['Esc', 'Close a dialog or panel; back to the current item from an earlier one'],
  ];
}

interface ShortcutsDialogProps {
  advanceAfterRank: boolean;
  onAdvanceAfterRankChange: (advance: boolean) => void;
  /** Why the last change of a setting was not saved. */
  preferencesError?: string | null;
  onClose: () => void;
}

export function ShortcutsDialog({
  advanceAfterRank,
  onAdvanceAfterRankChange,
  preferencesError = null,
  onClose,
}: ShortcutsDialogProps) {
  const settingId = useId();
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {shortcuts(advanceAfterRank).map(([keys, action]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <fieldset className="shortcuts__settings">
        <legend>Settings (yours, in every browser)</legend>
        <label className="checkbox" htmlFor={settingId}>
          <input
            id={settingId}
            type="checkbox"
            checked={advanceAfterRank}
            onChange={(event) => {
              onAdvanceAfterRankChange(event.target.checked);
            }}
          />
          After placing a card with a number key, move focus to the next card
        </label>
        {preferencesError && (
          <p className="field__error" role="alert">
            {preferencesError}
          </p>
        )}
      </fieldset>
      <div className="dialog__actions">
        <button type="button" className="button button--primary" data-autofocus onClick={onClose}>
          Got it
        </button>
      </div>
    </Dialog>
  );
}
