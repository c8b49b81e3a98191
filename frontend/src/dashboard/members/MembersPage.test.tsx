import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { LOAD, renderAt } from '../../test/renderApp';

describe('MembersPage', () => {
  it('adds a member by username with a role', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'Members' }, LOAD);
    expect(within(table).getAllByRole('row')).toHaveLength(3);
    await user.type(screen.getByLabelText('Username'), 'carol');
    await user.selectOptions(screen.getByLabelText('Role'), 'Researcher');
    await user.click(screen.getByRole('button', { name: 'Add member' }));

    expect(await within(table).findByRole('rowheader', { name: 'carol' })).toBeInTheDocument();
    expect(within(table).getByRole('combobox', { name: 'Role of carol' })).toHaveValue('researcher');
    expect(screen.getByLabelText('Username')).toHaveValue('');
    expect(backend.calls('POST', 'members/')[0]?.body).toEqual({ username: 'carol', role: 'researcher' });
  });

  it('shows the server’s error next to the username', async () => {
    new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('Username', {}, LOAD), 'zed');
    await user.click(screen.getByRole('button', { name: 'Add member' }));

    const username = screen.getByLabelText('Username');
    expect(await screen.findByText("No active user named 'zed'.")).toBeInTheDocument();
    expect(username).toHaveAttribute('aria-invalid', 'true');
    expect(username).toHaveAccessibleDescription("No active user named 'zed'.");
  });

  it('removes a member once the removal is confirmed', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    const table = await screen.findByRole('table', { name: 'Members' }, LOAD);
    await user.click(within(table).getByRole('button', { name: 'Remove bob' }));
    const dialog = screen.getByRole('dialog', { name: 'Remove bob?' });
    expect(backend.calls('DELETE', 'members/2/')).toHaveLength(0);
    await user.click(within(dialog).getByRole('button', { name: 'Remove member' }));

    expect(await screen.findByText('Removed bob from the project.')).toBeInTheDocument();
    expect(within(table).queryByRole('rowheader', { name: /bob/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(backend.calls('DELETE', 'members/2/')).toHaveLength(1);
  });

  it('changes a member’s role', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    await user.selectOptions(await screen.findByRole('combobox', { name: 'Role of bob' }, LOAD), 'Researcher');

    expect(await screen.findByText('bob is now researcher.')).toBeInTheDocument();
    expect(backend.calls('PATCH', 'members/2/')[0]?.body).toEqual({ role: 'researcher' });
  });

  it('is for admins only: researchers get neither the link nor the page', async () => {
    new FakeDashboardBackend('researcher');
    renderAt('/projects/5/members');

    expect(await screen.findByText('Only project admins can manage members.', {}, LOAD)).toBeInTheDocument();
    const nav = screen.getByRole('navigation', { name: 'Project' });
    expect(within(nav).queryByRole('link', { name: 'Members' })).not.toBeInTheDocument();
    expect(within(nav).queryByRole('link', { name: 'Import' })).not.toBeInTheDocument();
    expect(within(nav).getByRole('link', { name: 'Rank' })).toHaveAttribute('href', '/projects/5/rank');
  });

  it('creates a user with a generated password and shows it once', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('New username', {}, LOAD), 'nadia');
    await user.selectOptions(screen.getByLabelText('Their role'), 'Researcher');
    await user.click(screen.getByRole('button', { name: 'Create user' }));

    const shown = await screen.findByRole('group', { name: 'New password for nadia' });
    expect(shown).toHaveTextContent('Generated-Pass-1');
    expect(shown).toHaveTextContent('shown only this once');
    expect(screen.getByRole('combobox', { name: 'Role of nadia' })).toHaveValue('researcher');
    expect(backend.calls('POST', 'users/')[0]?.body).toEqual({
      username: 'nadia',
      email: '',
      role: 'researcher',
      password: '',
    });
  });

  it('shows the password rules the server applies next to the password', async () => {
    new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    await user.type(await screen.findByLabelText('New username', {}, LOAD), 'omar');
    await user.click(screen.getByLabelText('Set one'));
    await user.type(screen.getByLabelText('New password'), '12345678');
    await user.click(screen.getByRole('button', { name: 'Create user' }));

    expect(await screen.findByText('This password is entirely numeric.')).toBeInTheDocument();
    expect(screen.getByLabelText('New password')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.queryByRole('rowheader', { name: 'omar' })).not.toBeInTheDocument();
  });

  it('resets a member’s password and shows the generated one', async () => {
    const backend = new FakeDashboardBackend('admin');
    renderAt('/projects/5/members');
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'Reset the password of bob' }, LOAD));
    const dialog = screen.getByRole('dialog', { name: 'Reset the password of bob' });
    expect(dialog).toHaveTextContent('signed out everywhere');
    await user.click(within(dialog).getByRole('button', { name: 'Reset password' }));

    expect(await within(dialog).findByRole('group', { name: 'New password for bob' })).toHaveTextContent(
      'Generated-Pass-2',
    );
    expect(backend.calls('POST', 'members/2/password/')[0]?.body).toEqual({ password: '' });
    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });
});
