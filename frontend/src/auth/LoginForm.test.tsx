import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it, vi } from 'vitest';
import { login, type LoginRequest } from '../api/client';
import { alice, errorResponse, jsonResponse, mockFetch } from '../test/http';
import { LoginForm } from './LoginForm';

describe('LoginForm', () => {
  it('submits the username and password to the login endpoint', async () => {
    document.cookie = 'csrftoken=abc';
    const { requests } = mockFetch(() => jsonResponse(200, { user: alice }));
    const onSubmit = vi.fn((c: LoginRequest) => login(c));
    const user = userEvent.setup();
    render(<LoginForm onSubmit={onSubmit} />);

    await user.type(screen.getByLabelText('Username'), ' alice ');
    await user.type(screen.getByLabelText('Password'), 's3cret');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(onSubmit).toHaveBeenCalledWith({ username: 'alice', password: 's3cret' });
    expect(requests).toHaveLength(1);
    expect(requests[0]?.url.pathname).toBe('/api/v1/auth/login/');
    expect(requests[0]?.body).toEqual({ username: 'alice', password: 's3cret' });
    expect(requests[0]?.headers.get('X-CSRFToken')).toBe('abc');
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();
  });

  it('shows the error message from the API', async () => {
    document.cookie = 'csrftoken=abc';
    mockFetch(() =>
      errorResponse(400, 'invalid_credentials', 'Invalid username or password.', {
        non_field_errors: ['Invalid username or password.'],
      }),
    );
    const user = userEvent.setup();
    render(<LoginForm onSubmit={login} />);

    await user.type(screen.getByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Invalid username or password.');
    // The message and the identical non-field error are shown once.
    expect(screen.getAllByText('Invalid username or password.')).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
  });

  it('shows field errors from the API next to the field', async () => {
    document.cookie = 'csrftoken=abc';
    mockFetch(() =>
      errorResponse(400, 'invalid', 'Please correct the errors below.', {
        password: ['This field may not be blank.'],
      }),
    );
    const user = userEvent.setup();
    render(<LoginForm onSubmit={login} />);

    await user.type(screen.getByLabelText('Username'), 'alice');
    await user.type(screen.getByLabelText('Password'), ' ');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    const password = screen.getByLabelText('Password');
    expect(await screen.findByRole('alert')).toHaveTextContent('Please correct the errors below.');
    expect(password).toHaveAttribute('aria-invalid', 'true');
    expect(password).toHaveAccessibleDescription('This field may not be blank.');
    expect(screen.getByLabelText('Username')).not.toHaveAttribute('aria-invalid');
  });

  it('asks for missing fields without calling the API', async () => {
    const onSubmit = vi.fn(() => Promise.resolve());
    const user = userEvent.setup();
    render(<LoginForm onSubmit={onSubmit} />);

    await user.click(screen.getByRole('button', { name: 'Sign in' }));

    expect(onSubmit).not.toHaveBeenCalled();
    expect(screen.getByLabelText('Username')).toHaveAccessibleDescription('Enter your username.');
    expect(screen.getByLabelText('Password')).toHaveAccessibleDescription('Enter your password.');
  });
});
