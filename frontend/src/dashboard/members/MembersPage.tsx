import { useState } from 'react';
import type { Project } from '../../api/client';
import { changeMemberRole, listMembers, removeMember, type Member, type MemberRole } from '../../api/dashboard';
import { Dialog } from '../../shared/Dialog';
import { AddMemberForm } from './AddMemberForm';
import { CreateUserForm } from './CreateUserForm';
import { MemberTable } from './MemberTable';
import { OneTimePassword } from './OneTimePassword';
import { ResetPasswordDialog } from './ResetPasswordDialog';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { useAction } from '../../shared/data/useAction';
import { useResource } from '../../shared/data/useResource';
import { useDocumentTitle } from '../../shared/useDocumentTitle';
import '../admin.css';

function upsert(members: readonly Member[], member: Member): Member[] {
  return members.some((m) => m.id === member.id)
    ? members.map((m) => (m.id === member.id ? member : m))
    : [...members, member];
}

/** Who is in the project and with which role; new accounts and password resets (admins only). */
export function MembersPage({ project }: { project: Project }) {
  useDocumentTitle(`Members · ${project.name}`);
  const { state, retry, update } = useResource(`members:${project.id}`, (signal) => listMembers(project.id, signal));
  const action = useAction();
  const [removing, setRemoving] = useState<Member | null>(null);
  const [resetting, setResetting] = useState<Member | null>(null);
  const [created, setCreated] = useState<{ username: string; password: string } | null>(null);
  const [said, setSaid] = useState('');
  const busy = action.pending === null ? null : Number(action.pending);

  async function changeRole(member: Member, role: MemberRole) {
    const changed = await action.run(String(member.id), () => changeMemberRole(project.id, member.id, role));
    if (!changed) return;
    update((members) => upsert(members, changed));
    setSaid(`${changed.username} is now ${changed.role ?? role}.`);
  }

  async function remove(member: Member) {
    setRemoving(null);
    const done = await action.run(String(member.id), async () => {
      await removeMember(project.id, member.id);
      return true;
    });
    if (!done) return;
    update((members) => members.filter((m) => m.id !== member.id));
    setSaid(`Removed ${member.username} from the project.`);
  }

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Members</h1>
        {state.status === 'loaded' && (
          <p className="page__subtitle">{state.data.length === 1 ? '1 member' : `${state.data.length} members`}</p>
        )}
      </div>
      <p className="visually-hidden" role="status">
        {said}
      </p>
      <Section title="Add a member">
        <AddMemberForm
          projectId={project.id}
          onAdded={(member) => {
            update((members) => upsert(members, member));
            setSaid(`Added ${member.username} as ${member.role ?? 'annotator'}.`);
          }}
        />
      </Section>
      <Section title="Create a user">
        <p className="muted">For someone without an account yet: they join this project with the role you pick.</p>
        <CreateUserForm
          projectId={project.id}
          onCreated={({ member, generated_password }) => {
            update((members) => upsert(members, member));
            setCreated(generated_password === null ? null : { username: member.username, password: generated_password });
            setSaid(`Created ${member.username} and added them as ${member.role ?? 'annotator'}.`);
          }}
        />
        {created && <OneTimePassword username={created.username} password={created.password} />}
      </Section>
      <Section title="People">
        {action.error && (
          <div className="form-alert" role="alert">
            <p>{action.error.message}</p>
          </div>
        )}
        {state.status === 'loading' && <LoadingState>Loading members…</LoadingState>}
        {state.status === 'error' && <ErrorState title="Couldn’t load the members." error={state.error} onRetry={retry} />}
        {state.status === 'loaded' && state.data.length === 0 && <EmptyState title="No members yet." />}
        {state.status === 'loaded' && state.data.length > 0 && (
          <MemberTable
            members={state.data}
            busy={busy}
            onChangeRole={(member, role) => void changeRole(member, role)}
            onRemove={setRemoving}
            onResetPassword={setResetting}
          />
        )}
      </Section>
      {resetting && (
        <ResetPasswordDialog
          projectId={project.id}
          member={resetting}
          onClose={() => {
            setResetting(null);
          }}
          onDone={setSaid}
        />
      )}
      {removing && (
        <Dialog
          title={`Remove ${removing.username}?`}
          onClose={() => {
            setRemoving(null);
          }}
        >
          <p className="dialog__text">
            {removing.username} will no longer see this project. The rankings they made stay.
          </p>
          <div className="dialog__actions">
            <button
              type="button"
              className="button"
              data-autofocus
              onClick={() => {
                setRemoving(null);
              }}
            >
              Keep
            </button>
            <button type="button" className="button button--danger" onClick={() => void remove(removing)}>
              Remove member
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
