import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { AuthProvider } from '../auth/AuthContext';
import {
  alice,
  errorResponse,
  jsonResponse,
  makeProgress,
  makeProject,
  mockFetch,
  projectPage,
  type Handler,
  type MockRequest,
} from '../test/http';
import type { Project, User } from '../api/client';
import { ProjectListPage } from './ProjectListPage';

const ARCHIVED = 'archived';

/** The requests for the project list itself (not for the archived projects). */
function listRequests(requests: readonly MockRequest[]): MockRequest[] {
  return requests.filter((r) => r.url.pathname === '/api/v1/projects/' && !r.url.searchParams.has(ARCHIVED));
}

function renderPage(projects: Handler, options: { user?: User; archived?: Project[] } = {}) {
  const mock = mockFetch((req) => {
    if (req.url.pathname === '/api/v1/auth/session/') return jsonResponse(200, { user: options.user ?? alice });
    if (req.url.pathname === '/api/v1/projects/' && req.url.searchParams.get(ARCHIVED) === 'true') {
      return jsonResponse(200, projectPage(options.archived ?? []));
    }
    const progress = /^\/api\/v1\/projects\/(\d+)\/progress\/$/.exec(req.url.pathname);
    if (progress) {
      return jsonResponse(200, makeProgress({ ranked: Number(progress[1]) * 10, ranked_today: 3, remaining_for_me: 42 }));
    }
    return projects(req);
  });
  render(
    <AuthProvider>
      <ProjectListPage />
    </AuthProvider>,
  );
  return mock;
}

describe('ProjectListPage', () => {
  it('renders the projects', async () => {
    renderPage(() =>
      jsonResponse(
        200,
        projectPage([
          makeProject(),
          makeProject({ id: 2, slug: 'harmlessness', name: 'Harmlessness', description: '', role: 'admin' }),
        ]),
      ),
    );

    expect(screen.getByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('Loading projects…');

    const list = await screen.findByRole('list', { name: 'Projects' });
    const [first, second, ...rest] = within(list).getAllByRole('listitem');
    if (!first || !second) throw new Error('expected two projects');
    expect(rest).toHaveLength(0);
    expect(within(first).getByRole('heading', { name: 'Helpfulness v1' })).toBeInTheDocument();
    expect(first).toHaveTextContent('Rank completions by helpfulness.');
    expect(first).toHaveTextContent('Your role: Annotator');
    expect(second).toHaveTextContent('Harmlessness');
    expect(second).toHaveTextContent('Your role: Admin');
    expect(second).toHaveTextContent('No description');
    expect(screen.getByText('2 projects')).toBeInTheDocument();
    expect(screen.queryByRole('status')).not.toBeInTheDocument();
  });

  it('shows my progress on each project and links to its workspace', async () => {
    const { requests } = renderPage(() => jsonResponse(200, projectPage([makeProject({ id: 7 })])));

    const card = await screen.findByRole('article', { name: 'Helpfulness v1' });
    expect(await within(card).findByText('left for you', { exact: false })).toHaveTextContent('42 left for you');
    expect(card).toHaveTextContent('3 ranked today');
    const link = within(card).getByRole('link', { name: 'Rank items in Helpfulness v1' });
    expect(link).toHaveAttribute('href', '/projects/7/rank');
    expect(link).toHaveTextContent('Continue ranking');
    expect(requests.some((r) => r.url.pathname === '/api/v1/projects/7/progress/')).toBe(true);
  });

  it('links researchers and admins, not annotators, to the dashboard', async () => {
    renderPage(() =>
      jsonResponse(
        200,
        projectPage([
          makeProject({ id: 1, name: 'Ranked by me' }),
          makeProject({ id: 2, name: 'Studied by me', role: 'researcher' }),
          makeProject({ id: 3, name: 'Run by me', role: 'admin' }),
        ]),
      ),
    );

    const annotated = await screen.findByRole('article', { name: 'Ranked by me' });
    expect(within(annotated).queryByRole('link', { name: /dashboard/ })).not.toBeInTheDocument();
    const researched = screen.getByRole('article', { name: 'Studied by me' });
    expect(within(researched).getByRole('link', { name: 'Open the dashboard of Studied by me' })).toHaveAttribute(
      'href',
      '/projects/2',
    );
    const administered = screen.getByRole('article', { name: 'Run by me' });
    expect(within(administered).getByRole('link', { name: 'Open the dashboard of Run by me' })).toHaveTextContent(
      'Dashboard',
    );
    expect(within(administered).getByRole('link', { name: 'Rank items in Run by me' })).toBeInTheDocument();
  });

  it('shows an empty state when there are no projects', async () => {
    renderPage(() => jsonResponse(200, projectPage([])));

    expect(await screen.findByText('You’re not a member of any projects yet.')).toBeInTheDocument();
    expect(screen.queryByRole('list', { name: 'Projects' })).not.toBeInTheDocument();
  });

  it('shows an error with a retry button', async () => {
    let calls = 0;
    const { requests } = renderPage(() => {
      calls += 1;
      return calls === 1
        ? errorResponse(500, 'server_error', 'The server ran into a problem.')
        : jsonResponse(200, projectPage([makeProject()]));
    });
    const user = userEvent.setup();

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Couldn’t load your projects.');
    expect(alert).toHaveTextContent('The server ran into a problem.');

    await user.click(within(alert).getByRole('button', { name: 'Try again' }));

    expect(await screen.findByText('Helpfulness v1')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
    expect(listRequests(requests)).toHaveLength(2);
  });

  it('requests the page from the URL and links to the next page', async () => {
    window.history.replaceState(null, '', '/?page=2');
    const { requests } = renderPage(() =>
      jsonResponse(200, {
        ...projectPage([makeProject()], {
          next: 'http://testserver/api/v1/projects/?page=3',
          previous: 'http://testserver/api/v1/projects/',
        }),
        count: 30,
      }),
    );
    const user = userEvent.setup();

    const nav = await screen.findByRole('navigation', { name: 'Pagination' });
    expect(listRequests(requests)[0]?.url.search).toBe('?page=2');
    expect(within(nav).getByRole('link', { name: 'Previous' })).toHaveAttribute('href', '/');

    await user.click(within(nav).getByRole('link', { name: 'Next' }));

    expect(window.location.search).toBe('?page=3');
    await screen.findByRole('navigation', { name: 'Pagination' });
    expect(listRequests(requests).at(-1)?.url.search).toBe('?page=3');
  });

  it('offers staff, and only staff, to create a project', async () => {
    renderPage(() => jsonResponse(200, projectPage([makeProject()])), { user: { ...alice, is_staff: true } });
    expect(await screen.findByRole('link', { name: 'New project' })).toHaveAttribute('href', '/projects/new');
  });

  it('offers no project creation to other users', async () => {
    renderPage(() => jsonResponse(200, projectPage([makeProject()])));
    await screen.findByRole('list', { name: 'Projects' });
    expect(screen.queryByRole('link', { name: 'New project' })).not.toBeInTheDocument();
  });

  it('lists the archived projects an admin runs under the open ones', async () => {
    const archived = makeProject({ id: 9, name: 'Old study', role: 'admin', archived_at: '2025-04-01T09:00:00Z' });
    renderPage(() => jsonResponse(200, projectPage([makeProject()])), { archived: [archived] });

    const list = await screen.findByRole('list', { name: 'Archived projects' });
    expect(screen.getByRole('heading', { name: 'Archived (1)' })).toBeInTheDocument();
    expect(list).toHaveTextContent('Old study');
    expect(within(list).getByRole('link', { name: 'Settings' })).toHaveAttribute('href', '/projects/9/settings');
    expect(within(screen.getByRole('list', { name: 'Projects' })).queryByText('Old study')).not.toBeInTheDocument();
  });
});
