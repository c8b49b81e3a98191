import { useState, type SubmitEvent } from 'react';
import { resetMemberPassword, type Member } from '../../api/dashboard';
import { fieldsNamed, formErrors, NO_ERRORS, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { Dialog } from '../../shared/Dialog';
import { FormAlert } from '../../shared/FormField';
import { OneTimePassword } from './OneTimePassword';
import { GENERATE, PasswordChoice, type PasswordDraft } from './PasswordChoice';

interface ResetPasswordDialogProps {
  projectId: number;
  member: Member;
  onClose: () => void;
  onDone: (message: string) => void;
}

/** A new password for a member: typed by the admin, or generated and shown once. */
export function ResetPasswordDialog({ projectId, member, onClose, onDone }: ResetPasswordDialogProps) {
  const [password, setPassword] = useState<PasswordDraft>(GENERATE);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [generated, setGenerated] = useState<string | null>(null);
  const action = useAction();

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    if (!password.generate && password.password === '') {
      action.reset();
      setErrors({ general: [], fields: { password: ['Enter a password, or generate one.'] } });
      return;
    }
    setErrors(NO_ERRORS);
    const done = await action.run('reset', () =>
      resetMemberPassword(projectId, member.id, password.generate ? '' : password.password),
    );
    if (!done) return;
    onDone(`The password of ${member.username} is reset; their sessions and API token are ended.`);
    if (done.generated_password === null) onClose();
    else setGenerated(done.generated_password);
  }

  const shown = action.error ? formErrors(action.error, fieldsNamed('password')) : errors;

  return (
    <Dialog title={`Reset the password of ${member.username}`} onClose={onClose}>
      {generated === null ? (
        <form className="stack" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
          <p className="dialog__text">
            {member.username} is signed out everywhere and their API token stops working.
          </p>
          <FormAlert messages={shown.general} />
          <PasswordChoice value={password} errors={shown.fields.password} onChange={setPassword} />
          <div className="dialog__actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button--primary" disabled={action.pending !== null}>
              {action.pending && <span className="spinner" aria-hidden="true" />}
              Reset password
            </button>
          </div>
        </form>
      ) : (
        <div className="stack">
          <OneTimePassword username={member.username} password={generated} />
          <div className="dialog__actions">
            <button type="button" className="button button--primary" data-autofocus onClick={onClose}>
              Done
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}
