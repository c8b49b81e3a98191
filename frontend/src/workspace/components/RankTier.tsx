import { useState, type DragEvent, type ReactNode } from 'react';

export const DRAG_TYPE = 'application/x-rankwise-completion';

interface RankTierProps {
  label: string;
  hint?: string;
  /** The completion being dragged, if any (drop zones light up). */
  dragging: boolean;
  onDropCompletion: (completionId: number | null) => void;
  children: ReactNode;
  empty: boolean;
}

/** A drop zone on the ranking board: "Rank 1" … "Rank K", or "Unranked". */
export function RankTier({ label, hint, dragging, onDropCompletion, children, empty }: RankTierProps) {
  const [over, setOver] = useState(false);

  function handleDragOver(event: DragEvent<HTMLDivElement>) {
    if (!dragging && !event.dataTransfer.types.includes(DRAG_TYPE)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    setOver(true);
  }

  function handleDrop(event: DragEvent<HTMLDivElement>) {
    event.preventDefault();
    setOver(false);
    const raw = event.dataTransfer.getData(DRAG_TYPE);
    onDropCompletion(raw === '' ? null : Number(raw));
  }

  return (
    <div
      role="group"
      aria-label={label}
      className={`tier${over ? ' tier--over' : ''}${dragging ? ' tier--target' : ''}`}
      onDragOver={handleDragOver}
      onDragEnter={handleDragOver}
      onDragLeave={() => {
        setOver(false);
      }}
      onDrop={handleDrop}
    >
      <span className="tier__label" aria-hidden="true">
        {label}
        {hint && <span className="tier__hint"> · {hint}</span>}
      </span>
      <div className="tier__items">
        {children}
        {empty && <span className="tier__empty">{dragging ? 'Drop here' : '—'}</span>}
      </div>
    </div>
  );
}
