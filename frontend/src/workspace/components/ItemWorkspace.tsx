import { memo, useEffect, useEffectEvent, useRef, useState } from 'react';
import type { Assignment, FlagReason } from '../../api/client';
import { loadDraft, saveDraft, type DraftScope } from '../drafts';
import { hasModifier, isActivatable, isTypingTarget } from '../keys';
import {
  EMPTY_PLACEMENT,
  isComplete,
  letterFor,
  placementFor,
  tiersOf,
  type Placement,
} from '../ranking';
import type { FinishAction } from '../session';
import { useVisibleTimer } from '../timer';
import { FlagDialog } from './FlagDialog';
import { ItemTimer } from './ItemTimer';
import { PromptPanel } from './PromptPanel';
import { RankingBoard } from './RankingBoard';
import { SkipDialog } from './SkipDialog';
import { ShortcutButton } from './ShortcutButton';

/** What the workspace shows: a leased item, or one of the annotator's earlier items. */
export type WorkItem = Pick<Assignment, 'id' | 'prompt' | 'completions'>;

/** An earlier item reopened: the annotator's ranking of it (none for a skip), to revise. */
export interface Revision {
  tiers: readonly (readonly number[])[] | null;
}

interface ItemWorkspaceProps {
  item: WorkItem;
  allowTies: boolean;
  scope: DraftScope;
  onFinish: (action: FinishAction) => void;
  /** Revising an earlier item: starts from `revision.tiers`, keeps no draft, has no skip or flag. */
  revision?: Revision;
  /** After a number key places a card, move focus to the next card. */
  advanceAfterRank?: boolean;
  /** Show completions as raw text until the annotator switches a card. */
  defaultRaw?: boolean;
  /** Another dialog of the page is open: leave the keyboard alone. */
  paused?: boolean;
  /**
   * False while the item is rendered ahead of time, hidden, behind the one on
   * screen: no keyboard, no timer. Flipping it shows the item at once.
   */
  active?: boolean;
}

type OpenDialog = 'skip' | 'flag' | null;

function initialState(item: WorkItem, scope: DraftScope, allowTies: boolean, revision: Revision | undefined) {
  const order = item.completions.map((c) => c.id);
  if (revision) {
    const ranked = (revision.tiers ?? []).flatMap((tier, index) => tier.map((id) => [id, index + 1] as const));
    return { placement: placementFor(ranked, order, order.length, allowTies), timeSpentMs: 0, restored: false };
  }
  const draft = loadDraft(scope, item.prompt.id);
  const placement = draft
    ? placementFor(draft.placement, order, order.length, allowTies)
    : EMPTY_PLACEMENT;
  return { placement, timeSpentMs: draft?.timeSpentMs ?? 0, restored: placement.size > 0 };
}

/**
 * One leased item: the prompt, the ranking board, skip and flag. The draft
 * ranking is saved on every change and restored on reload.
 */
export const ItemWorkspace = memo(function ItemWorkspace({
  item,
  allowTies,
  scope,
  onFinish,
  revision,
  advanceAfterRank = true,
  defaultRaw = false,
  paused = false,
  active = true,
}: ItemWorkspaceProps) {
  const [initial] = useState(() => initialState(item, scope, allowTies, revision));
  const [placement, setPlacement] = useState<Placement>(initial.placement);
  const [dialog, setDialog] = useState<OpenDialog>(null);
  const [message, setMessage] = useState<string | null>(null);
  const timer = useVisibleTimer(initial.timeSpentMs, active);
  const board = useRef<HTMLDivElement>(null);
  const order = item.completions.map((c) => c.id);
  const complete = isComplete(placement, order);
  const missing = order.flatMap((id, index) => (placement.has(id) ? [] : [letterFor(index)]));

  function persist(next: Placement) {
    // A revision starts from the stored ranking each time: nothing to keep.
    if (revision) return;
    saveDraft(scope, item.prompt.id, {
      placement: [...next],
      timeSpentMs: Math.round(timer.elapsed()),
      savedAt: Date.now(),
    });
  }

  function changePlacement(next: Placement) {
    setPlacement(next);
    setMessage(null);
    persist(next);
  }

  function submit() {
    if (!complete) {
      setMessage(
        `Rank every completion first: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} unranked.`,
      );
      return;
    }
    onFinish({
      kind: 'ranking',
      tiers: tiersOf(placement, order),
      displayOrder: order,
      timeSpentMs: timer.elapsed(),
    });
  }

  // A new item starts at the top: the annotator reads the prompt first.
  useEffect(() => {
    if (active) document.documentElement.scrollTop = 0;
  }, [active]);

  // Keep the time spent across a reload even when nothing was ranked yet.
  const saveOnLeave = useEffectEvent(() => {
    if (active) persist(placement);
  });
  useEffect(() => {
    const onPageHide = () => {
      saveOnLeave();
    };
    const onVisibility = () => {
      if (document.visibilityState === 'hidden') saveOnLeave();
    };
    window.addEventListener('pagehide', onPageHide);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      window.removeEventListener('pagehide', onPageHide);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, []);

  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (!active || paused || dialog !== null || event.defaultPrevented || hasModifier(event)) return;
    if (isTypingTarget(event.target)) return;
    const key = event.key;
    if (key === 'Enter') {
      if (isActivatable(event.target)) return;
      event.preventDefault();
      submit();
    } else if ((key === 's' || key === 'S') && !revision) {
      // An item already done is revised, not skipped or flagged.
      event.preventDefault();
      setDialog('skip');
    } else if ((key === 'f' || key === 'F') && !revision) {
      event.preventDefault();
      setDialog('flag');
    } else if (/^[0-9]$/.test(key) || key.startsWith('Arrow')) {
      // Outside the board: bring the keyboard to the first completion.
      const target = event.target instanceof Node ? event.target : null;
      if (board.current && !board.current.contains(target)) {
        event.preventDefault();
        board.current.querySelector<HTMLElement>('[data-completion-id]')?.focus();
      }
    }
  });
  useEffect(() => {
    const handler = (event: KeyboardEvent) => {
      onKey(event);
    };
    document.addEventListener('keydown', handler);
    return () => {
      document.removeEventListener('keydown', handler);
    };
  }, []);

  return (
    <div className="item" data-item-id={item.id} hidden={!active}>
      <div ref={board}>
        <RankingBoard
          completions={item.completions}
          placement={placement}
          allowTies={allowTies}
          onPlacementChange={changePlacement}
          autoFocus={active}
          advanceAfterRank={advanceAfterRank}
          defaultRaw={defaultRaw}
          lead={
            <>
              <div className="item__toolbar">
                <ItemTimer timer={timer} />
                {initial.restored && <span className="draft-note">Draft restored</span>}
                <span className="item__spacer" />
                {!revision && (
                  <>
                    <ShortcutButton
                      label="Skip"
                      shortcut="S"
                      onClick={() => {
                        setDialog('skip');
                      }}
                    />
                    <ShortcutButton
                      label="Flag"
                      shortcut="F"
                      onClick={() => {
                        setDialog('flag');
                      }}
                    />
                  </>
                )}
              </div>
              <PromptPanel prompt={item.prompt} />
            </>
          }
          footer={
            <div className="submit-area">
              <button
                type="button"
                className={`button button--primary button--block${complete ? '' : ' button--inactive'}`}
                aria-disabled={!complete}
                aria-keyshortcuts="Enter"
                onClick={submit}
              >
                {revision ? 'Save revision' : 'Submit ranking'} <kbd>Enter</kbd>
              </button>
              {message ? (
                <p className="submit-area__message" role="alert">
                  {message}
                </p>
              ) : (
                !complete && (
                  <p className="submit-area__hint">
                    {missing.length} of {order.length} still unranked
                  </p>
                )
              )}
            </div>
          }
        />
      </div>
      {dialog === 'skip' && (
        <SkipDialog
          onClose={() => {
            setDialog(null);
          }}
          onSkip={(reason) => {
            setDialog(null);
            onFinish({ kind: 'skip', reason });
          }}
        />
      )}
      {dialog === 'flag' && (
        <FlagDialog
          onClose={() => {
            setDialog(null);
          }}
          onFlag={(reason: FlagReason, note: string) => {
            setDialog(null);
            onFinish({ kind: 'flag', reason, note });
          }}
        />
      )}
    </div>
  );
});
