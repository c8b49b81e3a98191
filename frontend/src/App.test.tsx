import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import type { User } from './api/client';
import { AuthProvider } from './auth/AuthContext';
import { alice, errorResponse, jsonResponse, makeProject, mockFetch, projectPage } from './test/http';

/** A fake backend: one user, alice / s3cret, with one project. */
function fakeBackend(initialUser: User | null = null) {
  let user = initialUser;
  return mockFetch((req) => {
    const route = `${req.method} ${req.url.pathname}`;
    switch (route) {
      case 'GET /api/v1/auth/session/':
        document.cookie = 'csrftoken=abc';
        return jsonResponse(200, { user });
      case 'POST /api/v1/auth/login/': {
        const body = req.body as { username: string; password: string };
        if (body.username === 'alice' && body.password === 's3cret') {
          user = alice;
          return jsonResponse(200, { user });
        }
        return errorResponse(400, 'invalid_credentials', 'Invalid username or password.', {
          non_field_errors: ['Invalid username or password.'],
        });
      }
      case 'POST /api/v1/auth/logout/':
        user = null;
        return jsonResponse(204);
      case 'GET /api/v1/projects/':
        return user
          ? jsonResponse(200, projectPage([makeProject()]))
          : errorResponse(403, 'not_authenticated', 'Authentication credentials were not provided.');
      default:
        return errorResponse(404, 'not_found', 'Not found.');
    }
  });
}

function renderApp(path: string) {
  window.history.replaceState(null, '', path);
  return render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
}

async function signIn(password = 's3cret') {
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username'), 'alice');
  await user.type(screen.getByLabelText('Password'), password);
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
}

describe('App', () => {
  it('sends signed-out users to /login with next, then back after sign-in', async () => {
    fakeBackend();
    renderApp('/?page=1');

    expect(await screen.findByLabelText('Username')).toBeInTheDocument();
    expect(window.location.pathname).toBe('/login');
    expect(new URLSearchParams(window.location.search).get('next')).toBe('/?page=1');

    await signIn();

    expect(await screen.findByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(await screen.findByText('Helpfulness v1')).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe('/?page=1');
    expect(screen.getByText('Alice Liddell')).toBeInTheDocument();
  });

  it('shows the API error on a failed sign-in', async () => {
    fakeBackend();
    renderApp('/login');

    await signIn('wrong');

    expect(await screen.findByRole('alert')).toHaveTextContent('Invalid username or password.');
    expect(window.location.pathname).toBe('/login');
  });

  it('ignores a next parameter that points to another site', async () => {
    fakeBackend();
    renderApp('/login?next=//evil.example/');

    await signIn();

    expect(await screen.findByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/');
  });

  it('redirects a signed-in user away from /login', async () => {
    fakeBackend(alice);
    renderApp('/login');

    expect(await screen.findByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/');
  });

  it('signs out', async () => {
    const { requests } = fakeBackend(alice);
    renderApp('/');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Sign out' }));

    expect(await screen.findByRole('button', { name: 'Sign in' })).toBeInTheDocument();
    expect(window.location.pathname).toBe('/login');
    const logout = requests.find((r) => r.url.pathname === '/api/v1/auth/logout/');
    expect(logout?.headers.get('X-CSRFToken')).toBe('abc');
  });

  it('returns to the login page when the session has expired', async () => {
    // The session check says signed in, but the server has since dropped it.
    mockFetch((req) =>
      req.url.pathname === '/api/v1/auth/session/'
        ? jsonResponse(200, { user: alice })
        : errorResponse(403, 'not_authenticated', 'Authentication credentials were not provided.'),
    );
    renderApp('/');

    await waitFor(() => {
      expect(window.location.pathname).toBe('/login');
    });
    expect(await screen.findByLabelText('Username')).toBeInTheDocument();
  });

  it('shows a not-found page for unknown paths', async () => {
    fakeBackend(alice);
    renderApp('/nope');

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });

  it('offers a retry when the session cannot be loaded', async () => {
    let fail = true;
    mockFetch(() => {
      if (fail) return Promise.reject(new TypeError('Failed to fetch'));
      return jsonResponse(200, { user: alice });
    });
    renderApp('/nope');
    const user = userEvent.setup();

    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server.');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Try again' }));

    expect(await screen.findByRole('heading', { name: 'Page not found' })).toBeInTheDocument();
  });
});
