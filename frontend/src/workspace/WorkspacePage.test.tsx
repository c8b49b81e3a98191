import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeAnnotationBackend, deferred } from '../test/annotationBackend';
import { errorResponse, makeItem, type MockRequest } from '../test/http';
import { card, promptOnScreen, renderWorkspace } from '../test/workspaceScreen';
import { loadDraft } from './drafts';
import { outboxKey } from './session';

interface RankingBody {
  prompt_id: number;
  tiers: number[][];
  display_order: number[];
  time_spent_ms: number;
  client_request_id: string;
}

describe('WorkspacePage', () => {
  it('shows the leased item and prefetches the one after it', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();

    await promptOnScreen('Prompt number 1');
    expect(screen.getByRole('heading', { name: 'Helpfulness v1' })).toBeInTheDocument();
    expect(screen.getAllByRole('article')).toHaveLength(4);
    await waitFor(() => {
      expect(backend.nextRequests()).toEqual([{}, { after: 1 }]);
    });
    expect(await screen.findByText('left for you', { exact: false })).toBeInTheDocument();
    // The prefetched item is already rendered, hidden, behind the one on screen.
    await waitFor(() => {
      expect(document.querySelectorAll('.item')).toHaveLength(2);
    });
    const [shown, upcoming] = Array.from(document.querySelectorAll<HTMLElement>('.item'));
    expect(shown?.hidden).toBe(false);
    expect(upcoming?.hidden).toBe(true);
    expect(upcoming).toHaveTextContent('Prompt number 2');
    expect(screen.getAllByRole('article')).toHaveLength(4);
  });

  it('ranks by keyboard and shows the prefetched item before the submit is answered', async () => {
    const backend = new FakeAnnotationBackend();
    const held = deferred<Response>();
    let heldRequest: MockRequest | undefined;
    backend.rankingScript.push((req) => {
      heldRequest = req;
      return held.promise;
    });
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');
    await waitFor(() => {
      expect(backend.nextRequests()).toHaveLength(2);
    });

    expect(card('A')).toHaveFocus();
    await user.keyboard('2143');
    await user.keyboard('{Enter}');

    // The next item is on screen while the ranking is still being saved.
    await promptOnScreen('Prompt number 2');
    expect(screen.getByText('Saving…')).toBeInTheDocument();
    expect(card('A')).toHaveFocus();

    if (!heldRequest) throw new Error('the ranking was not sent');
    const body = heldRequest.body as RankingBody;
    expect(body.prompt_id).toBe(1);
    expect(body.tiers).toEqual([[12], [11], [14], [13]]);
    expect(body.display_order).toEqual([11, 12, 13, 14]);
    expect(body.time_spent_ms).toBeGreaterThanOrEqual(0);
    expect(body.client_request_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    held.resolve(backend.store(heldRequest));
    expect(await screen.findByText('Saved')).toBeInTheDocument();
    // Only once the first is stored does it prefetch the item after the new one.
    await waitFor(() => {
      expect(backend.nextRequests()).toEqual([{}, { after: 1 }, { after: 2 }]);
    });
  });

  it('submits with the mouse once every completion has a rank', async () => {
    const backend = new FakeAnnotationBackend({ items: [makeItem(1, 2), makeItem(2, 2)] });
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    const submit = screen.getByRole('button', { name: /Submit ranking/ });
    await user.click(submit);
    expect(screen.getByRole('alert')).toHaveTextContent('Rank every completion first: A, B are unranked.');

    await user.click(within(card('B')).getByRole('button', { name: 'Rank 1' }));
    await user.click(within(card('A')).getByRole('button', { name: 'Rank 1' }));
    await user.click(screen.getByRole('button', { name: /Submit ranking/ }));

    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(backend.stored.size).toBe(1);
    });
    expect((backend.submits()[0]?.body as RankingBody).tiers).toEqual([[11, 12]]);
  });

  it('retries a failed submit with the same request id and stores it once', async () => {
    const backend = new FakeAnnotationBackend();
    // The request reaches the server, but the answer is lost on the way back.
    backend.rankingScript.push((req) => {
      backend.store(req);
      return 'network';
    });
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    await user.keyboard('1234{Enter}');
    expect(await screen.findByText(/Not saved yet\. Retrying in 1 s…/)).toBeInTheDocument();
    expect(await screen.findByText('Saved', {}, { timeout: 3000 })).toBeInTheDocument();

    const ids = backend.submits().map((r) => (r.body as RankingBody).client_request_id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);
    expect(backend.stored.size).toBe(1);
  });

  it('keeps a draft across a reload, and forgets it once stored', async () => {
    new FakeAnnotationBackend();
    const first = renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');
    await user.keyboard('3');
    expect(loadDraft({ userId: 1, projectId: 5 }, 1)?.placement).toEqual([[11, 3]]);
    first.unmount();

    renderWorkspace();
    await promptOnScreen('Prompt number 1');
    expect(screen.getByText('Draft restored')).toBeInTheDocument();
    expect(card('A')).toHaveAccessibleName('Completion A Rank 3');

    await user.keyboard('{ArrowRight}124{Enter}');
    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(loadDraft({ userId: 1, projectId: 5 }, 1)).toBeNull();
    });
  });

  it('saves what an earlier page left unsaved before asking for the next item', async () => {
    const backend = new FakeAnnotationBackend();
    backend.lease(makeItem(1));
    const requestId = '22222222-2222-4222-8222-222222222222';
    window.localStorage.setItem(
      outboxKey({ userId: 1, projectId: 5 }),
      JSON.stringify([
        {
          kind: 'ranking',
          requestId,
          projectId: 5,
          promptId: 1,
          label: 'Prompt number 1',
          body: { prompt_id: 1, tiers: [[11], [12], [13], [14]], display_order: [11, 12, 13, 14], time_spent_ms: 10, client_request_id: requestId },
        },
      ]),
    );
    renderWorkspace();

    await promptOnScreen('Prompt number 2');
    const order = backend.requests
      .filter((r) => r.method === 'POST')
      .map((r) => r.url.pathname.split('/').at(-2));
    expect(order.slice(0, 2)).toEqual(['rankings', 'next']);
    expect(backend.stored.has(requestId)).toBe(true);
  });

  it('says clearly when the lease expired and the item went to someone else', async () => {
    const backend = new FakeAnnotationBackend();
    backend.rankingScript.push(() =>
      errorResponse(409, 'lease_lost', 'Your lease on this item expired and it went to another annotator. Nothing was saved.'),
    );
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');
    await user.keyboard('1234{Enter}');

    const notice = await screen.findByText(/was not saved: your lease on it expired/);
    expect(notice).toHaveTextContent(
      'Your ranking of “Prompt number 1” was not saved: your lease on it expired and the item went to another annotator.',
    );
    expect(loadDraft({ userId: 1, projectId: 5 }, 1)).toBeNull();
    await promptOnScreen('Prompt number 2');
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/was not saved/)).not.toBeInTheDocument();
  });

  it('skips with a reason; shortcuts stay quiet while typing it', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    await user.keyboard('s');
    const dialog = screen.getByRole('dialog', { name: 'Skip this item' });
    const reason = within(dialog).getByLabelText('Reason');
    expect(reason).toHaveFocus();
    await user.click(within(dialog).getByRole('button', { name: 'Skip item' }));
    expect(within(dialog).getByText('Say why you skip this item.')).toBeInTheDocument();

    await user.type(reason, 'f1 needs domain knowledge');
    expect(screen.queryByRole('dialog', { name: 'Flag this item' })).not.toBeInTheDocument();
    expect(card('A')).toHaveAccessibleName('Completion A Unranked');
    await user.click(within(dialog).getByRole('button', { name: 'Skip item' }));

    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(backend.submits('skips')).toHaveLength(1);
    });
    expect(backend.submits('skips')[0]?.body).toMatchObject({ prompt_id: 1, reason: 'f1 needs domain knowledge' });
  });

  it('flags an item with a reason and a note', async () => {
    const backend = new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    await user.keyboard('f');
    const dialog = screen.getByRole('dialog', { name: 'Flag this item' });
    await user.click(within(dialog).getByLabelText(/Broken item/));
    await user.type(within(dialog).getByLabelText('Note (optional)'), 'cut off');
    await user.click(within(dialog).getByRole('button', { name: 'Flag item' }));

    await promptOnScreen('Prompt number 2');
    await waitFor(() => {
      expect(backend.submits('flags')).toHaveLength(1);
    });
    expect(backend.submits('flags')[0]?.body).toMatchObject({ prompt_id: 1, reason: 'broken', note: 'cut off' });
  });

  it('opens the shortcuts with ? and closes them with Escape', async () => {
    new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    await user.keyboard('?');
    const dialog = screen.getByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(dialog).toHaveTextContent('Put the focused completion in that rank');
    await user.keyboard('1');
    expect(card('A')).toHaveAccessibleName('Completion A Unranked');
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(card('A')).toHaveFocus();
  });

  it('shows the guidelines on G', async () => {
    new FakeAnnotationBackend();
    renderWorkspace();
    const user = userEvent.setup();
    await promptOnScreen('Prompt number 1');

    await user.keyboard('g');
    const panel = screen.getByRole('complementary', { name: 'Guidelines' });
    expect(within(panel).getByRole('heading', { name: 'Be kind' })).toBeInTheDocument();
    expect(within(panel).getByText('helpful').tagName).toBe('STRONG');
  });

  it('renders a chat prompt as a transcript', async () => {
    new FakeAnnotationBackend({
      items: [
        makeItem(1, 2, {
          text: '',
          messages: [
            { role: 'user', content: 'Hi there' },
            { role: 'assistant', content: 'Hello! How can I help?' },
            { role: 'user', content: 'Write *one* haiku' },
          ],
        }),
      ],
    });
    renderWorkspace();
    const conversation = await screen.findByRole('list', { name: 'Conversation' });
    const messages = within(conversation).getAllByRole('listitem');
    expect(messages.map((m) => m.textContent.trim())).toEqual(['UserHi there', 'AssistantHello! How can I help?', 'UserWrite one haiku']);
  });

  it('says when nothing is left to rank', async () => {
    new FakeAnnotationBackend({ items: [] });
    renderWorkspace();
    expect(await screen.findByText('Nothing left for you to rank here.')).toBeInTheDocument();
  });
});
