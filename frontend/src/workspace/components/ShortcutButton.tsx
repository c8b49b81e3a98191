interface ShortcutButtonProps {
  label: string;
  /** The key that does the same, shown on the button and announced to assistive tech. */
  shortcut: string;
  onClick: () => void;
  /** For toggles: whether what the button opens is open. */
  pressed?: boolean;
}

/** A small workspace button with its keyboard shortcut (Skip S, History H, ...). */
export function ShortcutButton({ label, shortcut, onClick, pressed }: ShortcutButtonProps) {
  return (
    <button
      type="button"
      className="button button--small"
      aria-pressed={pressed}
      aria-keyshortcuts={shortcut}
      onClick={onClick}
    >
      {label} <kbd>{shortcut}</kbd>
    </button>
  );
}
