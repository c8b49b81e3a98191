import { useId, useState, type DragEvent } from 'react';
import type { ItemCompletion } from '../../api/client';
import { MarkdownView } from '../../shared/MarkdownView';

const LONG_TEXT_CHARS = 1400;
const LONG_TEXT_LINES = 24;

export function isLongText(text: string): boolean {
  return text.length > LONG_TEXT_CHARS || text.split('\n').length > LONG_TEXT_LINES;
}

interface CompletionCardProps {
  completion: ItemCompletion;
  letter: string;
  rank: number | null;
  maxRank: number;
  /** Letters of the other completions in the same rank. */
  tiedWith: readonly string[];
  /** id of the text that explains the keyboard controls. */
  describedBy: string;
  /** Show the text exactly as written (a <pre>) instead of rendered markdown. */
  raw: boolean;
  onToggleRaw: () => void;
  onRank: (rank: number | null) => void;
  onDragStart: (event: DragEvent<HTMLElement>) => void;
  onDragEnd: (event: DragEvent<HTMLElement>) => void;
  cardRef: (element: HTMLElement | null) => void;
}

function rankText(rank: number | null, tiedWith: readonly string[]): string {
  if (rank === null) return 'Unranked';
  return tiedWith.length > 0 ? `Rank ${rank} (tied with ${tiedWith.join(', ')})` : `Rank ${rank}`;
}

/** One completion: its text, its rank, and the controls to change the rank. */
export function CompletionCard({
  completion,
  letter,
  rank,
  maxRank,
  tiedWith,
  describedBy,
  raw,
  onToggleRaw,
  onRank,
  onDragStart,
  onDragEnd,
  cardRef,
}: CompletionCardProps) {
  const id = useId();
  const long = isLongText(completion.text);
  const [expanded, setExpanded] = useState(false);
  const ranks = Array.from({ length: maxRank }, (_, i) => i + 1);

  return (
    <article
      ref={cardRef}
      className={`completion-card${rank === null ? '' : ' completion-card--ranked'}`}
      tabIndex={0}
      data-completion-id={completion.id}
      data-letter={letter}
      aria-labelledby={`${id}-title ${id}-rank`}
      aria-describedby={describedBy}
    >
      <header
        className="completion-card__header"
        draggable
        onDragStart={onDragStart}
        onDragEnd={onDragEnd}
        title="Drag to a rank"
      >
        <span className="drag-handle" aria-hidden="true">
          ⠿
        </span>
        <h3 className="completion-card__title" id={`${id}-title`}>
          Completion {letter}
        </h3>
        <span
          className={`rank-badge${rank === null ? ' rank-badge--none' : ''}`}
          id={`${id}-rank`}
        >
          {rankText(rank, tiedWith)}
        </span>
        <span className="rank-picker" role="group" aria-label={`Rank for completion ${letter}`}>
          {ranks.map((r) => (
            <button
              key={r}
              type="button"
              // The card itself takes number keys; these buttons are for the mouse.
              tabIndex={-1}
              className="rank-picker__button"
              aria-pressed={rank === r}
              aria-label={`Rank ${r}`}
              onClick={() => {
                onRank(rank === r ? null : r);
              }}
            >
              {r}
            </button>
          ))}
        </span>
        <button
          type="button"
          // The card itself takes R; this button is for the mouse.
          tabIndex={-1}
          className="raw-toggle"
          aria-pressed={raw}
          aria-keyshortcuts="R"
          title="Show the text exactly as written (R)"
          onClick={onToggleRaw}
        >
          Raw text
        </button>
      </header>
      <div
        id={`${id}-body`}
        className={`completion-card__body${long && !expanded ? ' completion-card__body--collapsed' : ''}`}
      >
        {raw ? (
          <pre className="raw-text">{completion.text}</pre>
        ) : (
          <MarkdownView source={completion.text} detectCode />
        )}
      </div>
      {long && (
        <button
          type="button"
          className="completion-card__more"
          aria-expanded={expanded}
          aria-controls={`${id}-body`}
          onClick={() => {
            setExpanded((e) => !e);
          }}
        >
          {expanded ? 'Show less' : 'Show more'}
        </button>
      )}
    </article>
  );
}
