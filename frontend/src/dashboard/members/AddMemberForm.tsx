import { useState, type SubmitEvent } from 'react';
import { addMember, type Member, type MemberRole } from '../../api/dashboard';
import { fieldsNamed, formErrors, NO_ERRORS, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { FormAlert, FormField } from '../../shared/FormField';
import { RoleField } from './RoleField';

interface AddMemberFormProps {
  projectId: number;
  onAdded: (member: Member) => void;
}

/** Add an existing user to the project with a role. */
export function AddMemberForm({ projectId, onAdded }: AddMemberFormProps) {
  const [username, setUsername] = useState('');
  const [role, setRole] = useState<MemberRole>('annotator');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    if (username.trim() === '') {
      action.reset();
      setErrors({ general: [], fields: { username: ['Enter a username.'] } });
      return;
    }
    setErrors(NO_ERRORS);
    const member = await action.run('add', () => addMember(projectId, username.trim(), role));
    if (!member) return;
    setUsername('');
    onAdded(member);
  }

  const shown = action.error ? formErrors(action.error, fieldsNamed('username', 'role')) : errors;

  return (
    <form className="inline-form" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
      <FormAlert messages={shown.general} />
      <FormField label="Username" errors={shown.fields.username}>
        {(control) => (
          <input
            {...control}
            type="text"
            autoCapitalize="none"
            autoComplete="off"
            spellCheck={false}
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
          />
        )}
      </FormField>
      <RoleField label="Role" value={role} errors={shown.fields.role} onChange={setRole} />
      <button type="submit" className="button button--primary" disabled={action.pending !== null}>
        {action.pending && <span className="spinner" aria-hidden="true" />}
        Add member
      </button>
    </form>
  );
}
