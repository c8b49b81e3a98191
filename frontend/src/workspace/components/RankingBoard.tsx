import {
  useEffect,
  useId,
  useRef,
  useState,
  type DragEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { ItemCompletion } from '../../api/client';
import { hasModifier, isTypingTarget } from '../keys';
import { inRank, letterFor, place, unplace, unranked, type Placement } from '../ranking';
import { CompletionCard } from './CompletionCard';
import { DRAG_TYPE, RankTier } from './RankTier';

interface RankingBoardProps {
  /** In the order to show them (the server shuffles per annotator). */
  completions: readonly ItemCompletion[];
  placement: Placement;
  allowTies: boolean;
  onPlacementChange: (placement: Placement) => void;
  /** Focus the first completion on mount, so the keyboard works at once. */
  autoFocus?: boolean;
  /** After a number key places a card, move focus to the next card (a preference). */
  advanceAfterRank?: boolean;
  /** Show the completions as raw text until the annotator switches a card (per project). */
  defaultRaw?: boolean;
  /** Shown above the cards, beside the ranking panel (the item's toolbar and prompt). */
  lead?: ReactNode;
  /** Shown under the tiers (the submit button). */
  footer?: ReactNode;
}

const SNIPPET_LENGTH = 48;

/** The start of a completion as written, on one line: `def is_palindrome(s):`, not a paraphrase. */
export function snippet(text: string): string {
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain.length > SNIPPET_LENGTH ? `${plain.slice(0, SNIPPET_LENGTH - 1)}…` : plain;
}

/**
 * Completions as cards plus the ranks they go into. Rank with the mouse (drag
 * a card or chip onto a rank, or the rank buttons on a card) or the keyboard
 * (number keys on the focused card). Every move is announced to screen readers.
 */
export function RankingBoard({
  completions,
  placement,
  allowTies,
  onPlacementChange,
  autoFocus = false,
  advanceAfterRank = true,
  defaultRaw = false,
  lead,
  footer,
}: RankingBoardProps) {
  const hintId = useId();
  const cards = useRef(new Map<number, HTMLElement>());
  const dropped = useRef(false);
  const [draggingId, setDraggingId] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  // Cards switched away from the project's default (raw text or rendered).
  const [switched, setSwitched] = useState<ReadonlySet<number>>(new Set());
  const isRaw = (id: number) => defaultRaw !== switched.has(id);
  const order = completions.map((c) => c.id);
  const maxRank = completions.length;
  const ranks = Array.from({ length: maxRank }, (_, i) => i + 1);
  const letters = new Map(order.map((id, index) => [id, letterFor(index)]));
  const letter = (id: number) => letters.get(id) ?? '?';
  const firstId = order[0];

  useEffect(() => {
    if (autoFocus && firstId !== undefined) cards.current.get(firstId)?.focus({ preventScroll: true });
  }, [autoFocus, firstId]);

  function announce(message: string) {
    // Repeat a repeated message: screen readers skip a live region that did not change.
    setAnnouncement((previous) => (previous === message ? `${message}\u00a0` : message));
  }

  function moveTo(id: number, rank: number | null) {
    if (rank === null) {
      onPlacementChange(unplace(placement, id));
      announce(`Moved completion ${letter(id)} to Unranked.`);
      return;
    }
    const result = place(placement, id, rank, allowTies);
    onPlacementChange(result.placement);
    const tied = inRank(result.placement, rank, order).filter((other) => other !== id);
    let message = `Moved completion ${letter(id)} to rank ${rank}`;
    if (tied.length > 0) message += `, tied with ${tied.map(letter).join(', ')}`;
    if (result.displaced.length > 0) {
      message += `. Completion ${result.displaced.map(letter).join(', ')} moved back to Unranked`;
    }
    announce(`${message}.`);
  }

  function toggleRaw(id: number) {
    const next = new Set(switched);
    if (!next.delete(id)) next.add(id);
    setSwitched(next);
    announce(`Completion ${letter(id)} ${defaultRaw !== next.has(id) ? 'as raw text' : 'rendered'}.`);
  }

  function focusCard(index: number) {
    const id = order[Math.max(0, Math.min(order.length - 1, index))];
    if (id !== undefined) cards.current.get(id)?.focus();
  }

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.defaultPrevented || hasModifier(event) || isTypingTarget(event.target)) return;
    if (!(event.target instanceof HTMLElement)) return;
    const card = event.target.closest<HTMLElement>('[data-completion-id]');
    if (!card) return;
    const id = Number(card.dataset.completionId);
    const index = order.indexOf(id);
    const key = event.key;
    if (/^[1-9]$/.test(key)) {
      event.preventDefault();
      const rank = Number(key);
      if (rank > maxRank) {
        announce(`There are only ${maxRank} ranks.`);
        return;
      }
      moveTo(id, rank);
      if (advanceAfterRank && index < order.length - 1) focusCard(index + 1);
    } else if (key === 'r' || key === 'R') {
      event.preventDefault();
      toggleRaw(id);
    } else if (key === '0' || key === 'Backspace' || key === 'Delete') {
      event.preventDefault();
      moveTo(id, null);
    } else if (key === 'ArrowRight' || key === 'ArrowDown') {
      event.preventDefault();
      focusCard(index + 1);
    } else if (key === 'ArrowLeft' || key === 'ArrowUp') {
      event.preventDefault();
      focusCard(index - 1);
    } else if (key === 'Home' || key === 'End') {
      event.preventDefault();
      focusCard(key === 'Home' ? 0 : order.length - 1);
    }
  }

  function startDrag(id: number, event: DragEvent<HTMLElement>) {
    event.dataTransfer.setData(DRAG_TYPE, String(id));
    event.dataTransfer.effectAllowed = 'move';
    dropped.current = false;
    setDraggingId(id);
    announce(`Picked up completion ${letter(id)}. Drop it on a rank.`);
  }

  function endDrag() {
    if (!dropped.current && draggingId !== null) {
      announce(`Completion ${letter(draggingId)} was not dropped on a rank; nothing changed.`);
    }
    setDraggingId(null);
  }

  function drop(rank: number | null, fromTransfer: number | null) {
    const id = fromTransfer !== null && order.includes(fromTransfer) ? fromTransfer : draggingId;
    dropped.current = true;
    setDraggingId(null);
    if (id !== null) moveTo(id, rank);
  }

  function chip(id: number) {
    const completion = completions.find((c) => c.id === id);
    return (
      <button
        key={id}
        type="button"
        tabIndex={-1}
        className="chip"
        draggable
        data-chip-id={id}
        onDragStart={(event) => {
          startDrag(id, event);
        }}
        onDragEnd={endDrag}
        onClick={() => cards.current.get(id)?.focus()}
        title={`Completion ${letter(id)}: drag to a rank, click to show`}
      >
        <span className="chip__letter">{letter(id)}</span>
        <span className="chip__text">{snippet(completion?.text ?? '')}</span>
      </button>
    );
  }

  const pool = unranked(placement, order);

  return (
    <div
      className={`ranking-board ranking-board--k${Math.min(maxRank, 4)}`}
      onKeyDown={handleKeyDown}
    >
      <p id={hintId} className="visually-hidden">
        Press 1 to {maxRank} to put this completion in that rank
        {allowTies ? ' (the same number twice makes a tie)' : ''}
        {advanceAfterRank ? ' and move on to the next completion' : ''}, 0 to unrank it, R to see its
        raw text, arrow keys to move between completions, Enter to submit.
      </p>
      <div className="ranking-board__main">
        {lead}
        <div className="ranking-board__cards">
          {completions.map((completion, index) => {
            const rank = placement.get(completion.id) ?? null;
            const tied = rank === null ? [] : inRank(placement, rank, order).filter((o) => o !== completion.id);
            return (
              <CompletionCard
                key={completion.id}
                completion={completion}
                letter={letterFor(index)}
                rank={rank}
                maxRank={maxRank}
                tiedWith={tied.map(letter)}
                describedBy={hintId}
                raw={isRaw(completion.id)}
                onToggleRaw={() => {
                  toggleRaw(completion.id);
                }}
                onRank={(r) => {
                  moveTo(completion.id, r);
                }}
                onDragStart={(event) => {
                  startDrag(completion.id, event);
                }}
                onDragEnd={endDrag}
                cardRef={(element) => {
                  if (element) cards.current.set(completion.id, element);
                  else cards.current.delete(completion.id);
                }}
              />
            );
          })}
        </div>
      </div>
      <aside className="ranking-board__tiers" aria-label="Your ranking">
        <h2 className="panel-title">Your ranking</h2>
        <p className="ranking-board__hint">
          Keys <kbd>1</kbd>–<kbd>{maxRank}</kbd> rank the focused card
          {advanceAfterRank ? ', then focus moves to the next card' : '; focus stays on it'}.
        </p>
        <ol className="tier-list">
          {ranks.map((rank) => {
            const members = inRank(placement, rank, order);
            const hint = rank === 1 ? 'best' : rank === maxRank ? 'worst' : undefined;
            return (
              <li key={rank}>
                <RankTier
                  label={`Rank ${rank}`}
                  {...(hint ? { hint } : {})}
                  dragging={draggingId !== null}
                  empty={members.length === 0}
                  onDropCompletion={(id) => {
                    drop(rank, id);
                  }}
                >
                  {members.map(chip)}
                </RankTier>
              </li>
            );
          })}
        </ol>
        <RankTier
          label="Unranked"
          dragging={draggingId !== null}
          empty={pool.length === 0}
          onDropCompletion={(id) => {
            drop(null, id);
          }}
        >
          {pool.map(chip)}
        </RankTier>
        {footer}
      </aside>
      <p className="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        {announcement}
      </p>
    </div>
  );
}
