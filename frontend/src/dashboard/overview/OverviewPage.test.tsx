import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { FlaggedItem } from '../../api/dashboard';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { errorResponse } from '../../test/http';
import { LOAD, renderAt } from '../../test/renderApp';

function flagged(id: number, externalId: string): FlaggedItem {
  return {
    id,
    prompt_id: id,
    external_id: externalId,
    annotator: 'bob',
    flag_reason: 'broken',
    flag_note: 'Cut off mid-sentence',
    review_status: 'open',
    created_at: '2025-03-04T12:00:00Z',
  };
}

describe('OverviewPage', () => {
  it('shows progress, activity and how each annotator does', async () => {
    new FakeDashboardBackend();
    renderAt('/projects/5');

    expect(await screen.findByRole('heading', { name: 'Overview', level: 1 }, LOAD)).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Project' });
    expect(within(nav).getByRole('link', { name: 'Overview' })).toHaveAttribute('aria-current', 'page');

    const progress = await screen.findByRole('progressbar', { name: 'Items complete' });
    expect(progress).toHaveAttribute('value', '10');
    expect(progress).toHaveAttribute('max', '40');
    expect(screen.getByText('of 40', { exact: false })).toHaveTextContent('10 of 40 · 25.0%');

    const throughput = await screen.findByRole('img', { name: /^Rankings per day\./ });
    expect(throughput).toHaveAccessibleName('Rankings per day. 60 rankings over 3 days; most on Mar 2 (30).');
    expect(throughput.querySelectorAll('rect')).toHaveLength(3);
    // A day without agreement leaves a gap: two separate points, no line.
    const agreement = screen.getByRole('img', { name: /^Pairwise agreement per day\./ });
    expect(agreement).toHaveAccessibleName(/2 points, latest 80%/);
    expect(agreement.querySelectorAll('polyline')).toHaveLength(0);

    const table = await screen.findByRole('table', { name: 'Annotators' });
    const row = within(table).getByRole('row', { name: /^alice/ });
    expect(row).toHaveTextContent('82.0%');
    expect(row).toHaveTextContent('75.0%');
    expect(row).toHaveTextContent('40.0% (chance 25.0%)');
    expect(row).toHaveTextContent('55.0%');
    expect(row).toHaveTextContent('42 s');
    expect(screen.getByText('Krippendorff’s α').nextElementSibling).toHaveTextContent('0.610');
    expect(screen.getByText('No flagged items waiting for review.')).toBeInTheDocument();
  });

  it('lets an admin resolve and dismiss flagged items', async () => {
    const backend = new FakeDashboardBackend('admin');
    backend.reviews = [flagged(31, 'item-31'), flagged(32, 'item-32')];
    renderAt('/projects/5');
    const user = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'Flagged items' }, LOAD);
    expect(within(table).getByRole('row', { name: /^item-31/ })).toHaveTextContent('Broken item');
    await user.click(within(table).getByRole('button', { name: 'Resolve the flag on item-31' }));

    await waitFor(() => {
      expect(within(table).queryByRole('row', { name: /^item-31/ })).not.toBeInTheDocument();
    });
    expect(backend.calls('POST', 'reviews/31/')[0]?.body).toEqual({ review_status: 'resolved' });

    await user.click(within(table).getByRole('button', { name: 'Dismiss the flag on item-32' }));
    expect(await screen.findByText('No flagged items waiting for review.')).toBeInTheDocument();
    expect(backend.calls('POST', 'reviews/32/')[0]?.body).toEqual({ review_status: 'dismissed' });
  });

  it('shows researchers the flagged items without review buttons', async () => {
    const backend = new FakeDashboardBackend('researcher');
    backend.reviews = [flagged(31, 'item-31')];
    renderAt('/projects/5');

    const table = await screen.findByRole('table', { name: 'Flagged items' }, LOAD);
    expect(within(table).getByRole('row', { name: /^item-31/ })).toHaveTextContent('Cut off mid-sentence');
    expect(within(table).queryByRole('button')).not.toBeInTheDocument();
  });

  it('shows the API’s message when a part fails, and the rest still loads', async () => {
    const backend = new FakeDashboardBackend();
    backend.overrides.set('GET activity/', () => errorResponse(500, 'server_error', 'The activity report timed out.'));
    renderAt('/projects/5');

    const alert = await screen.findByRole('alert', {}, LOAD);
    expect(alert).toHaveTextContent('Couldn’t load the activity.');
    expect(alert).toHaveTextContent('The activity report timed out.');
    expect(await screen.findByRole('table', { name: 'Annotators' })).toBeInTheDocument();
  });

  it('tells annotators the dashboard is not for them, and links to their ranking', async () => {
    new FakeDashboardBackend('annotator');
    renderAt('/projects/5');

    expect(
      await screen.findByRole('heading', { name: 'You don’t have access to this page' }, LOAD),
    ).toBeInTheDocument();
    expect(screen.getByRole('alert')).toHaveTextContent(
      'You are an annotator in this project; ask an admin of the project if you need more access.',
    );
    expect(screen.getByRole('link', { name: 'Go to ranking' })).toHaveAttribute('href', '/projects/5/rank');
    // Said, not redirected: the address stays the one that was asked for.
    expect(window.location.pathname).toBe('/projects/5');
  });

  it('says a project that does not exist was not found, with no retry', async () => {
    const backend = new FakeDashboardBackend();
    backend.overrides.set('GET ', () => errorResponse(404, 'not_found', 'Not found.'));
    renderAt('/projects/5/training');

    expect(await screen.findByRole('heading', { name: 'Project not found' }, LOAD)).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Back to my projects' })).toHaveAttribute('href', '/');
    expect(screen.queryByRole('button', { name: 'Try again' })).not.toBeInTheDocument();
  });
});
