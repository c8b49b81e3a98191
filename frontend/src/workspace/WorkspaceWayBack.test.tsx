/**
 * The workspace's way back (history, previous item, revising), its settings (focus after a
 * number key, raw text) and what it says when the project cannot be opened.
 */
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeAnnotationBackend } from '../test/annotationBackend';
import { makeItem } from '../test/http';
import { card, promptOnScreen, renderWorkspace } from '../test/workspaceScreen';
import { LOCKED_NOTE } from './useWayBack';

interface RankingBody {
  prompt_id: number;
  tiers: number[][];
  display_order: number[];
}

function lastRanking(backend: FakeAnnotationBackend): RankingBody {
  const body = backend.submits().at(-1)?.body;
  if (body === undefined) throw new Error('nothing was submitted');
  return body as RankingBody;
}

async function ready(backend: FakeAnnotationBackend, prompt = 'Prompt number 1') {
  await promptOnScreen(prompt);
  // The prefetch is answered: the queue is settled.
  await waitFor(() => {
    expect(backend.nextRequests().length).toBeGreaterThanOrEqual(2);
  });
}

// Whole flows (rank, reopen, revise, come back) take a few seconds each on a busy machine.
describe('WorkspacePage: the way back', { timeout: 20_000 }, () => {
  it('reopens the previous item on P with its ranking, and returns to the queue after saving', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('2143{Enter}');
    await promptOnScreen('Prompt number 2');
    await user.keyboard('3');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 3');

    await user.keyboard('p');

    await promptOnScreen('Prompt number 1');
    expect(screen.getByText('Revising your ranking')).toBeInTheDocument();
    expect(card('A')).toHaveAccessibleName('Completion A Rank 2');
    expect(card('B')).toHaveAccessibleName('Completion B Rank 1');
    expect(card('C')).toHaveAccessibleName('Completion C Rank 4');
    expect(card('D')).toHaveAccessibleName('Completion D Rank 3');
    expect(screen.queryByRole('button', { name: /Skip/ })).not.toBeInTheDocument();

    expect(card('A')).toHaveFocus();
    await user.keyboard('1{Enter}');

    // Back where the annotator was: item 2, with its card still in rank 3.
    await promptOnScreen('Prompt number 2');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 3');
    expect(screen.queryByText('Revising your ranking')).not.toBeInTheDocument();
    await waitFor(() => {
      expect(lastRanking(backend)).toMatchObject({
        prompt_id: 1,
        tiers: [[11, 12], [14], [13]],
        display_order: [11, 12, 13, 14],
      });
    });
    expect(backend.done[0]?.revision).toBe(2);
  });

  it('goes one item further back on each P, and Esc returns to the queue unchanged', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('1234{Enter}');
    await promptOnScreen('Prompt number 2');
    await user.keyboard('4321{Enter}');
    await promptOnScreen('Prompt number 3');

    await user.keyboard('p');
    await promptOnScreen('Prompt number 2');
    await user.keyboard('p');
    await promptOnScreen('Prompt number 1');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 1');

    await user.keyboard('{Escape}');
    await promptOnScreen('Prompt number 3');
    expect(backend.submits()).toHaveLength(2);
  });

  it('lists my recent items in the history panel and reopens one in the order I saw it', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('2143{Enter}');
    await promptOnScreen('Prompt number 2');
    await user.keyboard('s');
    await user.type(screen.getByLabelText('Reason'), 'Needs a lawyer');
    await user.click(screen.getByRole('button', { name: 'Skip item' }));
    await promptOnScreen('Prompt number 3');
    await waitFor(() => {
      expect(backend.done).toHaveLength(2);
    });
    // The server shuffled the completions for this annotator: they saw D, C, B, A.
    const first = backend.done[0];
    if (!first) throw new Error('no first item');
    first.displayOrder = [14, 13, 12, 11];

    await user.keyboard('h');
    const panel = screen.getByRole('complementary', { name: 'Your recent items' });
    const entries = await within(panel).findAllByRole('button', { name: /Prompt number/ });
    expect(entries.map((e) => e.textContent)).toEqual([
      expect.stringMatching(/^Skipped.*Prompt number 2$/),
      expect.stringMatching(/^Ranked.*Prompt number 1$/),
    ]);

    await user.click(entries[1] ?? panel);
    await promptOnScreen('Prompt number 1');
    expect(card('A').dataset.completionId).toBe('14');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 3');
    expect(card('D').dataset.completionId).toBe('11');
    expect(card('D')).toHaveAccessibleName('Completion D Rank 2');
    expect(within(panel).getByRole('button', { name: /Prompt number 1/ })).toHaveAttribute('aria-current', 'true');
  });

  it('ranks an item I skipped, from the history', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('s');
    await user.type(screen.getByLabelText('Reason'), 'Later');
    await user.click(screen.getByRole('button', { name: 'Skip item' }));
    await promptOnScreen('Prompt number 2');

    await user.keyboard('p');
    await promptOnScreen('Prompt number 1');
    expect(screen.getByText('You skipped this item')).toBeInTheDocument();
    expect(card('A')).toHaveAccessibleName('Completion A Unranked');
    await user.keyboard('1234{Enter}');

    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(backend.done[0]?.kind).toBe('ranked');
    });
    expect(lastRanking(backend)).toMatchObject({ prompt_id: 1, tiers: [[11], [12], [13], [14]] });
  });

  it('keeps the history read-only once rankings are locked', async () => {
    const backend = new FakeAnnotationBackend({ rankingsLocked: true });
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('1234{Enter}');
    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(backend.done).toHaveLength(1);
    });

    await user.keyboard('h');
    const panel = screen.getByRole('complementary', { name: 'Your recent items' });
    expect(within(panel).getByText(LOCKED_NOTE)).toBeInTheDocument();
    expect(await within(panel).findByRole('button', { name: /Prompt number 1/ })).toBeDisabled();
    expect(screen.getByRole('button', { name: /Previous/ })).toBeDisabled();

    await user.keyboard('p');
    expect(await screen.findByText(LOCKED_NOTE, { selector: '.notice p' })).toBeInTheDocument();
    expect(screen.queryByText('Revising your ranking')).not.toBeInTheDocument();
    expect(backend.requests.some((r) => /\/history\/\d+\/$/.test(r.url.pathname))).toBe(false);
  });

  it('says so when there is nothing to go back to', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await user.keyboard('p');
    expect(await screen.findByText('You have not ranked anything here yet.')).toBeInTheDocument();
    await promptOnScreen('Prompt number 1');
  });
});

describe('WorkspacePage: settings', () => {
  it('documents where focus goes after a number key, and keeps the choice on the server', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    const hint = screen.getByText(/rank the focused card/, { selector: '.item:not([hidden]) .ranking-board__hint' });
    expect(hint).toHaveTextContent('then focus moves to the next card');

    await user.keyboard('?');
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog).toHaveTextContent('Put the focused completion in that rank, then move focus to the next completion');
    const setting = within(dialog).getByRole('checkbox', { name: /move focus to the next card/ });
    expect(setting).toBeChecked();
    await user.click(setting);
    await waitFor(() => {
      expect(backend.preferences).toEqual({ advance_after_rank: false });
    });
    expect(dialog).toHaveTextContent('Put the focused completion in that rank (focus stays on it)');
    await user.keyboard('{Escape}');

    expect(hint).toHaveTextContent('focus stays on it');
    await user.keyboard('2');
    expect(card('A')).toHaveAccessibleName('Completion A Rank 2');
    expect(card('A')).toHaveFocus();
    const patch = backend.requests.find((r) => r.method === 'PATCH');
    expect(patch?.url.pathname).toBe('/api/v1/me/preferences/');
  });

  it('applies the setting stored for the annotator', async () => {
    const backend = new FakeAnnotationBackend();
    backend.preferences = { advance_after_rank: false };
    renderWorkspace();
    const user = userEvent.setup();
    await ready(backend);
    await waitFor(() => {
      expect(screen.getByText(/focus stays on it/, { selector: '.item:not([hidden]) .ranking-board__hint' })).toBeInTheDocument();
    });
    await user.keyboard('3');
    expect(card('A')).toHaveFocus();
  });

  it('shows completions as raw text where the project says so; R switches a card', async () => {
    const text = '**Steps**\n\n  1. keep   these spaces\n# not a heading';
    const item = makeItem(1, 2);
    item.completions = item.completions.map((c) => ({ ...c, text }));
    const backend = new FakeAnnotationBackend({ items: [item], defaultRawText: true });
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');
    await waitFor(() => {
      expect(backend.nextRequests()).toHaveLength(2);
    });

    const raw = card('A').querySelector('pre.raw-text');
    expect(raw?.textContent).toBe(text);
    expect(within(card('A')).getByRole('button', { name: 'Raw text' })).toHaveAttribute('aria-pressed', 'true');

    await user.keyboard('r');
    expect(card('A').querySelector('pre.raw-text')).toBeNull();
    expect(within(card('A')).getByText('Steps').tagName).toBe('STRONG');
    expect(card('B').querySelector('pre.raw-text')?.textContent).toBe(text);
  });
});

describe('WorkspacePage: a project that cannot be opened', () => {
  it('says the project was not found, with no retry', async () => {
    new FakeAnnotationBackend({ projectStatus: 404 });
    renderWorkspace();
    expect(await screen.findByRole('heading', { name: 'Project not found' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to my projects' })).toHaveAttribute('href', '/');
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });

  it('says the page is not open to me, with no retry', async () => {
    new FakeAnnotationBackend({ projectStatus: 403 });
    renderWorkspace();
    expect(await screen.findByRole('heading', { name: 'You don’t have access to this page' })).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent('Ask an admin of the project if you need access.');
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });
});
