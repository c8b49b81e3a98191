import { describe, expect, it } from 'vitest';
import {
  ApiError,
  NETWORK_ERROR,
  UNEXPECTED_RESPONSE,
  getSession,
  listProjects,
  login,
  logout,
  parseErrorBody,
  readCookie,
  request,
} from './client';
import { alice, errorResponse, jsonResponse, mockFetch, projectPage } from '../test/http';

describe('api client', () => {
  it('attaches the CSRF token from the csrftoken cookie on unsafe methods', async () => {
    document.cookie = 'other=1';
    document.cookie = 'csrftoken=tok%2Ben123';
    const { requests } = mockFetch(() => jsonResponse(200, { user: alice }));

    const result = await login({ username: 'alice', password: 's3cret' });

    expect(result.user).toEqual(alice);
    expect(requests).toHaveLength(1);
    const [req] = requests;
    expect(req?.method).toBe('POST');
    expect(req?.url.pathname).toBe('/api/v1/auth/login/');
    expect(req?.headers.get('X-CSRFToken')).toBe('tok+en123');
    expect(req?.headers.get('Content-Type')).toBe('application/json');
    expect(req?.credentials).toBe('same-origin');
    expect(req?.body).toEqual({ username: 'alice', password: 's3cret' });
  });

  it('sends a form as multipart, leaving its Content-Type to fetch', async () => {
    document.cookie = 'csrftoken=abc';
    const { requests } = mockFetch(() => jsonResponse(201, { created: 1 }));
    const form = new FormData();
    form.set('file', new File(['{}'], 'items.jsonl'));

    await request('POST', '/projects/5/imports/', { form });

    expect(requests[0]?.form?.get('file')).toBeInstanceOf(File);
    expect(requests[0]?.headers.has('Content-Type')).toBe(false);
    expect(requests[0]?.headers.get('X-CSRFToken')).toBe('abc');
  });

  it('does not send the CSRF header on GET', async () => {
    document.cookie = 'csrftoken=abc';
    const { requests } = mockFetch(() => jsonResponse(200, { user: null }));

    await expect(getSession()).resolves.toEqual({ user: null });

    expect(requests[0]?.headers.has('X-CSRFToken')).toBe(false);
    expect(requests[0]?.credentials).toBe('same-origin');
  });

  it('loads the session first when the CSRF cookie is missing', async () => {
    const { requests } = mockFetch((req) => {
      if (req.url.pathname === '/api/v1/auth/session/') {
        document.cookie = 'csrftoken=fresh';
        return jsonResponse(200, { user: null });
      }
      return jsonResponse(204);
    });

    await logout();

    expect(requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual([
      'GET /api/v1/auth/session/',
      'POST /api/v1/auth/logout/',
    ]);
    expect(requests[1]?.headers.get('X-CSRFToken')).toBe('fresh');
  });

  it('parses the error body into an ApiError', async () => {
    document.cookie = 'csrftoken=abc';
    mockFetch(() =>
      errorResponse(400, 'invalid_credentials', 'Invalid username or password.', {
        non_field_errors: ['Invalid username or password.'],
        username: ['This field may not be blank.'],
      }),
    );

    const error = await login({ username: 'alice', password: 'nope' }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(400);
    expect(apiError.code).toBe('invalid_credentials');
    expect(apiError.message).toBe('Invalid username or password.');
    expect(apiError.nonFieldErrors).toEqual(['Invalid username or password.']);
    expect(apiError.fieldErrors('username')).toEqual(['This field may not be blank.']);
    expect(apiError.fieldErrors('password')).toEqual([]);
  });

  it('recognises an unauthenticated 403', async () => {
    mockFetch(() => errorResponse(403, 'not_authenticated', 'Authentication credentials were not provided.'));

    const error = await listProjects().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).isUnauthenticated).toBe(true);
  });

  it('falls back to a generic error when the body is not the standard shape', async () => {
    mockFetch(() => new Response('<html>Bad gateway</html>', { status: 502 }));

    const error = await getSession().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, code: UNEXPECTED_RESPONSE, fields: {} });
    expect((error as ApiError).message).toMatch(/server/i);
  });

  it('reports network failures as ApiError with status 0', async () => {
    mockFetch(() => Promise.reject(new TypeError('Failed to fetch')));

    const error = await getSession().catch((e: unknown) => e);

    expect(error).toMatchObject({ status: 0, code: NETWORK_ERROR });
  });

  it('passes the page number as a query parameter', async () => {
    const { requests } = mockFetch(() => jsonResponse(200, projectPage([])));

    await listProjects(1);
    await listProjects(3);

    const paths = requests.map((r) => r.url.pathname + r.url.search);
    expect(paths).toEqual(['/api/v1/projects/', '/api/v1/projects/?page=3']);
  });

  it('resolves a 204 response without a body', async () => {
    document.cookie = 'csrftoken=abc';
    mockFetch(() => jsonResponse(204));

    await expect(logout()).resolves.toBeUndefined();
  });
});

describe('parseErrorBody', () => {
  it('keeps only string messages in fields', () => {
    expect(
      parseErrorBody(400, {
        error: { status: 400, code: 'invalid', message: 'Bad input.', fields: { a: ['x', 1], b: 'y' } },
      }),
    ).toEqual({ status: 400, code: 'invalid', message: 'Bad input.', fields: { a: ['x'], b: ['y'] } });
  });
});

describe('readCookie', () => {
  it('returns null for a missing cookie', () => {
    document.cookie = 'csrftokenx=1';
    expect(readCookie('csrftoken')).toBeNull();
  });
});
