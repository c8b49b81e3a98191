import { useId } from 'react';
import { MarkdownView } from './MarkdownView';

interface GuidelinesPanelProps {
  guidelines: string;
  onClose: () => void;
}

/** The project's guidelines (markdown) beside the work. */
export function GuidelinesPanel({ guidelines, onClose }: GuidelinesPanelProps) {
  const headingId = useId();
  return (
    <aside className="guidelines" aria-labelledby={headingId}>
      <div className="guidelines__header">
        <h2 className="panel-title" id={headingId}>
          Guidelines
        </h2>
        <button type="button" className="button button--ghost button--small" onClick={onClose}>
          Hide
        </button>
      </div>
      {guidelines.trim() === '' ? (
        <p className="guidelines__empty">This project has no guidelines yet.</p>
      ) : (
        <MarkdownView source={guidelines} />
      )}
    </aside>
  );
}
