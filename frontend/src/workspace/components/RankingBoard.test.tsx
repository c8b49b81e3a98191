import { act, createEvent, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { makeItem } from '../../test/http';
import { EMPTY_PLACEMENT, tiersOf, type Placement } from '../ranking';
import { RankingBoard } from './RankingBoard';
import { DRAG_TYPE } from './RankTier';

const item = makeItem(7, 4); // completions 71 (A), 72 (B), 73 (C), 74 (D)
const order = item.completions.map((c) => c.id);

interface HarnessProps {
  allowTies: boolean;
  onChange?: (p: Placement) => void;
  completions?: typeof item.completions;
  advanceAfterRank?: boolean;
  defaultRaw?: boolean;
}

function Harness({ allowTies, onChange, completions = item.completions, ...settings }: HarnessProps) {
  const [placement, setPlacement] = useState<Placement>(EMPTY_PLACEMENT);
  return (
    <RankingBoard
      completions={completions}
      placement={placement}
      allowTies={allowTies}
      autoFocus
      onPlacementChange={(next) => {
        setPlacement(next);
        onChange?.(next);
      }}
      {...settings}
    />
  );
}

function renderBoard(allowTies = true, props: Omit<HarnessProps, 'allowTies' | 'onChange'> = {}) {
  let latest: Placement = EMPTY_PLACEMENT;
  render(
    <Harness
      allowTies={allowTies}
      onChange={(p) => {
        latest = p;
      }}
      {...props}
    />,
  );
  return { tiers: () => tiersOf(latest, order) };
}

function card(letter: string): HTMLElement {
  return screen.getByRole('article', { name: new RegExp(`^Completion ${letter}\\b`) });
}

function tier(name: string): HTMLElement {
  return screen.getByRole('group', { name });
}

function announcement(): string {
  const region = document.querySelector('[aria-live="polite"][aria-atomic="true"]');
  return region?.textContent.trim() ?? '';
}

/** jsdom has no DataTransfer: a small stand-in that keeps what was set. */
function dataTransfer() {
  const data = new Map<string, string>();
  return {
    data,
    dropEffect: 'none',
    effectAllowed: 'all',
    get types() {
      return [...data.keys()];
    },
    setData: (type: string, value: string) => data.set(type, value),
    getData: (type: string) => data.get(type) ?? '',
  };
}

function drag(source: HTMLElement, target: HTMLElement) {
  const transfer = dataTransfer();
  fireEvent.dragStart(source, { dataTransfer: transfer });
  fireEvent.dragEnter(target, { dataTransfer: transfer });
  const over = createEvent.dragOver(target, { dataTransfer: transfer });
  fireEvent(target, over);
  expect(over.defaultPrevented).toBe(true);
  fireEvent.drop(target, { dataTransfer: transfer });
  fireEvent.dragEnd(source, { dataTransfer: transfer });
}

describe('RankingBoard', () => {
  it('shows every completion unranked, with the first one focused', () => {
    renderBoard();
    expect(card('A')).toHaveFocus();
    expect(card('A')).toHaveAccessibleName('Completion A Unranked');
    const pool = tier('Unranked');
    expect(within(pool).getAllByRole('button').map((b) => b.dataset.chipId)).toEqual(order.map(String));
    for (const rank of [1, 2, 3, 4]) expect(tier(`Rank ${rank}`)).toHaveTextContent('—');
  });

  it('puts the focused card in the rank of the number key and moves on to the next card', async () => {
    const { tiers } = renderBoard();
    const user = userEvent.setup();

    await user.keyboard('2');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 2');
    expect(card('B')).toHaveFocus();
    expect(announcement()).toBe('Moved completion A to rank 2.');

    await user.keyboard('1');
    await user.keyboard('4');
    await user.keyboard('3');
    expect(tiers()).toEqual([[72], [71], [74], [73]]);
    expect(within(tier('Rank 1')).getByText('B')).toBeInTheDocument();
    expect(card('D')).toHaveFocus();
  });

  it('makes a tie when the same number is pressed for another card, where ties are allowed', async () => {
    const { tiers } = renderBoard(true);
    const user = userEvent.setup();

    await user.keyboard('1');
    await user.keyboard('1');
    expect(announcement()).toBe('Moved completion B to rank 1, tied with A.');
    expect(card('B')).toHaveAccessibleName('Completion B Rank 1 (tied with A)');
    expect(tiers()).toEqual([[71, 72]]);
  });

  it('sends the previous occupant back to Unranked when ties are not allowed', async () => {
    const { tiers } = renderBoard(false);
    const user = userEvent.setup();

    await user.keyboard('1');
    await user.keyboard('1');
    expect(announcement()).toBe('Moved completion B to rank 1. Completion A moved back to Unranked.');
    expect(card('A')).toHaveAccessibleName('Completion A Unranked');
    expect(tiers()).toEqual([[72]]);
  });

  it('unranks with 0 or Backspace', async () => {
    const { tiers } = renderBoard();
    const user = userEvent.setup();

    await user.keyboard('3');
    await user.keyboard('{ArrowLeft}');
    expect(card('A')).toHaveFocus();
    await user.keyboard('0');
    expect(tiers()).toEqual([]);
    expect(announcement()).toBe('Moved completion A to Unranked.');
    await user.keyboard('2');
    await user.keyboard('{ArrowLeft}{Backspace}');
    expect(tiers()).toEqual([]);
  });

  it('moves focus with the arrow keys, Home and End', async () => {
    renderBoard();
    const user = userEvent.setup();
    await user.keyboard('{ArrowRight}{ArrowDown}');
    expect(card('C')).toHaveFocus();
    await user.keyboard('{ArrowRight}{ArrowRight}');
    expect(card('D')).toHaveFocus();
    await user.keyboard('{Home}');
    expect(card('A')).toHaveFocus();
    await user.keyboard('{End}{ArrowUp}');
    expect(card('C')).toHaveFocus();
  });

  it('refuses a rank beyond the number of completions', async () => {
    const { tiers } = renderBoard();
    const user = userEvent.setup();
    await user.keyboard('7');
    expect(tiers()).toEqual([]);
    expect(announcement()).toBe('There are only 4 ranks.');
  });

  it('ignores number keys with a modifier', async () => {
    const { tiers } = renderBoard();
    const user = userEvent.setup();
    await user.keyboard('{Control>}1{/Control}');
    expect(tiers()).toEqual([]);
  });

  it('ranks with the rank buttons on a card; pressing the active one unranks', async () => {
    const { tiers } = renderBoard();
    const user = userEvent.setup();
    const picker = within(card('C')).getByRole('group', { name: 'Rank for completion C' });
    await user.click(within(picker).getByRole('button', { name: 'Rank 1' }));
    expect(tiers()).toEqual([[73]]);
    expect(within(picker).getByRole('button', { name: 'Rank 1' })).toHaveAttribute('aria-pressed', 'true');
    await user.click(within(picker).getByRole('button', { name: 'Rank 1' }));
    expect(tiers()).toEqual([]);
  });

  it('moves a card dropped on a rank, and announces the drag', () => {
    const { tiers } = renderBoard();
    const header = card('C').querySelector('header');
    if (!header) throw new Error('card without header');

    const transfer = dataTransfer();
    fireEvent.dragStart(header, { dataTransfer: transfer });
    expect(transfer.data.get(DRAG_TYPE)).toBe('73');
    expect(announcement()).toBe('Picked up completion C. Drop it on a rank.');
    fireEvent.drop(tier('Rank 2'), { dataTransfer: transfer });
    fireEvent.dragEnd(header, { dataTransfer: transfer });

    expect(tiers()).toEqual([[73]]);
    expect(announcement()).toBe('Moved completion C to rank 2.');
  });

  it('moves chips between ranks and back to Unranked', () => {
    const { tiers } = renderBoard();
    const chipA = () => screen.getAllByRole('button').find((b) => b.dataset.chipId === '71');
    const first = chipA();
    if (!first) throw new Error('no chip');
    drag(first, tier('Rank 1'));
    expect(tiers()).toEqual([[71]]);
    const moved = chipA();
    if (!moved) throw new Error('no chip');
    drag(moved, tier('Unranked'));
    expect(tiers()).toEqual([]);
  });

  it('says so when a drag ends outside the ranks', () => {
    renderBoard();
    const header = card('B').querySelector('header');
    if (!header) throw new Error('card without header');
    act(() => {
      fireEvent.dragStart(header, { dataTransfer: dataTransfer() });
    });
    fireEvent.dragEnd(header);
    expect(announcement()).toBe('Completion B was not dropped on a rank; nothing changed.');
  });

  it('shows the start of each completion on its chip as written', () => {
    const code = 'def is_palindrome(s):\n    return s == s[::-1]  # [sic]';
    const markdown = '## Answer\n\n**Yes** - see `foo()` (below).';
    const completions = [code, markdown].map((text, i) => ({ id: 71 + i, text }));
    renderBoard(true, { completions });
    const chips = within(tier('Unranked')).getAllByRole('button');
    expect(chips.map((chip) => chip.querySelector('.chip__text')?.textContent)).toEqual([
      'def is_palindrome(s): return s == s[::-1] # [si…',
      '## Answer **Yes** - see `foo()` (below).',
    ]);
  });

  it('keeps focus on the card after a number key when the annotator prefers so', async () => {
    const { tiers } = renderBoard(true, { advanceAfterRank: false });
    const user = userEvent.setup();
    expect(screen.getByText(/rank the focused card/)).toHaveTextContent('Keys 1–4 rank the focused card; focus stays on it.');
    await user.keyboard('2');
    expect(card('A')).toHaveFocus();
    await user.keyboard('{ArrowRight}1');
    expect(card('B')).toHaveFocus();
    expect(tiers()).toEqual([[72], [71]]);
  });

  it('says on the board that focus moves on after a number key', () => {
    renderBoard();
    expect(screen.getByText(/rank the focused card/)).toHaveTextContent(
      'Keys 1–4 rank the focused card, then focus moves to the next card.',
    );
    expect(card('A')).toHaveAccessibleDescription(/and move on to the next completion/);
  });

  it('shows the focused card as raw text on R, and rendered again on R', async () => {
    const text = '# Title\n\n    indented   text';
    renderBoard(true, { completions: item.completions.map((c) => ({ ...c, text })) });
    const user = userEvent.setup();
    expect(card('A').querySelector('h1')).toHaveTextContent('Title');

    await user.keyboard('r');
    expect(card('A').querySelector('pre.raw-text')?.textContent).toBe(text);
    expect(card('A').querySelector('h1')).toBeNull();
    expect(card('B').querySelector('pre.raw-text')).toBeNull();
    expect(announcement()).toBe('Completion A as raw text.');

    await user.click(within(card('A')).getByRole('button', { name: 'Raw text' }));
    expect(card('A').querySelector('pre.raw-text')).toBeNull();
  });

  it('starts every card raw when the project says so', () => {
    renderBoard(true, { defaultRaw: true });
    for (const letter of ['A', 'B', 'C', 'D']) {
      expect(within(card(letter)).getByRole('button', { name: 'Raw text' })).toHaveAttribute('aria-pressed', 'true');
    }
    expect(card('A').querySelector('pre.raw-text')?.textContent).toBe('Answer 1 to prompt 7');
  });
});
