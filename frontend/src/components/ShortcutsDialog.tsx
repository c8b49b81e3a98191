import { Dialog } from './Dialog';

const SHORTCUTS: [keys: string, action: string][] = [
  ['Tab, ← → ↑ ↓', 'Move between completions'],
  ['1 … 9', 'Put the focused completion in that rank'],
  ['Same number again', 'Tie with the completion already there (when the project allows ties)'],
  ['0, Backspace', 'Take the focused completion out of its rank'],
  ['Enter', 'Submit the ranking (when every completion has a rank)'],
  ['S', 'Skip the item (asks for a reason)'],
  ['F', 'Flag the item'],
  ['G', 'Show or hide the guidelines'],
  ['?', 'Show this list'],
  ['Esc', 'Close a dialog'],
];

export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([keys, action]) => (
            <tr key={keys}>
              <th scope="row">
                <kbd>{keys}</kbd>
              </th>
              <td>{action}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog__actions">
        <button type="button" className="button button--primary" data-autofocus onClick={onClose}>
          Got it
        </button>
      </div>
    </Dialog>
  );
}
