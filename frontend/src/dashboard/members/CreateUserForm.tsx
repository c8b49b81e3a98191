import { useState, type SubmitEvent } from 'react';
import { createMember, type MemberCreated, type MemberRole } from '../../api/dashboard';
import { fieldsNamed, formErrors, NO_ERRORS, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { FormAlert, FormField } from '../../shared/FormField';
import { RoleField } from './RoleField';
import { GENERATE, PasswordChoice, type PasswordDraft } from './PasswordChoice';

interface CreateUserFormProps {
  projectId: number;
  onCreated: (created: MemberCreated) => void;
}

/** A new account for someone who has none yet, added to this project with a role. */
export function CreateUserForm({ projectId, onCreated }: CreateUserFormProps) {
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<MemberRole>('annotator');
  const [password, setPassword] = useState<PasswordDraft>(GENERATE);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    const fields: FormErrors['fields'] = {};
    if (username.trim() === '') fields.username = ['Enter a username.'];
    if (!password.generate && password.password === '') fields.password = ['Enter a password, or generate one.'];
    if (Object.keys(fields).length > 0) {
      action.reset();
      setErrors({ general: [], fields });
      return;
    }
    setErrors(NO_ERRORS);
    const created = await action.run('create', () =>
      createMember(projectId, {
        username: username.trim(),
        email: email.trim(),
        role,
        password: password.generate ? '' : password.password,
      }),
    );
    if (!created) return;
    setUsername('');
    setEmail('');
    setPassword(GENERATE);
    onCreated(created);
  }

  const shown = action.error ? formErrors(action.error, fieldsNamed('username', 'email', 'role', 'password')) : errors;

  return (
    <form className="form-grid" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
      <FormAlert messages={shown.general} />
      <FormField label="New username" errors={shown.fields.username}>
        {(control) => (
          <input
            {...control}
            type="text"
            autoCapitalize="none"
            autoComplete="off"
            spellCheck={false}
            maxLength={150}
            value={username}
            onChange={(e) => {
              setUsername(e.target.value);
            }}
          />
        )}
      </FormField>
      <FormField label="Email (optional)" errors={shown.fields.email}>
        {(control) => (
          <input
            {...control}
            type="email"
            autoComplete="off"
            value={email}
            onChange={(e) => {
              setEmail(e.target.value);
            }}
          />
        )}
      </FormField>
      <RoleField label="Their role" value={role} errors={shown.fields.role} onChange={setRole} />
      <div className="form-grid__wide">
        <PasswordChoice value={password} errors={shown.fields.password} onChange={setPassword} />
      </div>
      <div className="button-row form-grid__wide">
        <button type="submit" className="button button--primary" disabled={action.pending !== null}>
          {action.pending && <span className="spinner" aria-hidden="true" />}
          Create user
        </button>
      </div>
    </form>
  );
}
