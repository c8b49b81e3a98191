import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { AuthProvider } from './AuthContext';
import { alice, errorResponse, jsonResponse, makeProject, mockFetch, projectPage } from '../test/http';

function backend() {
  let signedIn = false;
  mockFetch((req) => {
    document.cookie = 'csrftoken=abc';
    switch (`${req.method} ${req.url.pathname}`) {
      case 'GET /api/v1/auth/session/':
        return jsonResponse(200, { user: signedIn ? alice : null });
      case 'POST /api/v1/auth/login/':
        signedIn = true;
        return jsonResponse(200, { user: alice });
      case 'GET /api/v1/projects/':
        return jsonResponse(200, projectPage([makeProject()]));
      default:
        return errorResponse(404, 'not_found', 'Not found.');
    }
  });
}

async function signInAt(path: string) {
  window.history.replaceState(null, '', path);
  const before = window.history.length;
  render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
  const user = userEvent.setup();
  await user.type(await screen.findByLabelText('Username'), 'alice');
  await user.type(screen.getByLabelText('Password'), 's3cret');
  await user.click(screen.getByRole('button', { name: 'Sign in' }));
  return before;
}

describe('LoginPage', () => {
  it('goes to the page asked for, in place of the sign-in page', async () => {
    backend();
    const before = await signInAt('/login?next=%2F%3Fpage%3D2');

    expect(await screen.findByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe('/?page=2');
    // Replaced, not pushed: Back does not lead to a sign-in form for a signed-in user.
    expect(window.history.length).toBe(before);
  });

  it.each([
    ['another site', '//evil.example/steal'],
    ['a backslash trick', '/\\evil.example'],
    ['an absolute URL', 'https://evil.example/'],
    ['the sign-in page itself', '/login?next=/login'],
  ])('goes to my projects instead of %s', async (_what, next) => {
    backend();
    await signInAt(`/login?next=${encodeURIComponent(next)}`);

    expect(await screen.findByRole('heading', { name: 'My projects' })).toBeInTheDocument();
    expect(window.location.pathname + window.location.search).toBe('/');
  });
});
