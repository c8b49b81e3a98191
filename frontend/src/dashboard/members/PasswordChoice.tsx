import { useId } from 'react';
import { FormField } from '../../shared/FormField';

export interface PasswordDraft {
  generate: boolean;
  password: string;
}

export const GENERATE: PasswordDraft = { generate: true, password: '' };

interface PasswordChoiceProps {
  value: PasswordDraft;
  errors?: readonly string[] | undefined;
  onChange: (value: PasswordDraft) => void;
}

/** Generate a password (shown once) or type one, held to the server's password rules. */
export function PasswordChoice({ value, errors, onChange }: PasswordChoiceProps) {
  const name = useId();
  return (
    <fieldset className="fieldset password-choice">
      <legend>Password</legend>
      <div className="fieldset__row">
        <label className="checkbox">
          <input
            type="radio"
            name={name}
            checked={value.generate}
            onChange={() => {
              onChange({ generate: true, password: '' });
            }}
          />
          Generate one
        </label>
        <label className="checkbox">
          <input
            type="radio"
            name={name}
            checked={!value.generate}
            onChange={() => {
              onChange({ generate: false, password: value.password });
            }}
          />
          Set one
        </label>
      </div>
      {value.generate ? (
        errors && errors.length > 0 && <p className="field__error">{errors.join(' ')}</p>
      ) : (
        <FormField label="New password" errors={errors} hint="At least 8 characters, not only digits, not a common one.">
          {(control) => (
            <input
              {...control}
              type="password"
              autoComplete="new-password"
              value={value.password}
              onChange={(e) => {
                onChange({ generate: false, password: e.target.value });
              }}
            />
          )}
        </FormField>
      )}
    </fieldset>
  );
}
