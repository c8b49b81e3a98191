import { useId } from 'react';
import { MarkdownView } from '../../shared/MarkdownView';

interface GuidelinesPanelProps {
  guidelines: string;
  onClose: () => void;
}

/** The project's guidelines (markdown) beside the work, or over it on narrow screens. */
export function GuidelinesPanel({ guidelines, onClose }: GuidelinesPanelProps) {
  const headingId = useId();
  return (
    <aside className="side-panel guidelines" aria-labelledby={headingId}>
      <div className="side-panel__header">
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
