import { useId, useState, type SubmitEvent } from 'react';
import type { ApiError, LoginRequest } from '../api/client';
import { toApiError } from './AuthContext';

interface LoginFormProps {
  /** Performs the sign-in; rejects with `ApiError` on failure. */
  onSubmit: (credentials: LoginRequest) => Promise<unknown>;
}

type Field = keyof LoginRequest;
const FIELDS: readonly string[] = ['username', 'password'] satisfies Field[];

interface FormErrors {
  /** Shown above the form: the API's message and non-field errors. */
  general: string[];
  fields: Partial<Record<Field, string[]>>;
}

const NO_ERRORS: FormErrors = { general: [], fields: {} };

function unique(messages: string[]): string[] {
  return [...new Set(messages.filter((m) => m !== ''))];
}

function errorsFromApi(error: ApiError): FormErrors {
  const otherFields = Object.entries(error.fields)
    .filter(([field]) => field !== 'non_field_errors' && !FIELDS.includes(field))
    .flatMap(([, messages]) => messages);
  return {
    general: unique([error.message, ...error.nonFieldErrors, ...otherFields]),
    fields: { username: error.fieldErrors('username'), password: error.fieldErrors('password') },
  };
}

export function LoginForm({ onSubmit }: LoginFormProps) {
  const id = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;

    const missing: FormErrors['fields'] = {};
    if (username.trim() === '') missing.username = ['Enter your username.'];
    if (password === '') missing.password = ['Enter your password.'];
    if (missing.username || missing.password) {
      setErrors({ general: [], fields: missing });
      return;
    }

    setSubmitting(true);
    setErrors(NO_ERRORS);
    try {
      await onSubmit({ username: username.trim(), password });
    } catch (err) {
      setErrors(errorsFromApi(toApiError(err)));
    } finally {
      setSubmitting(false);
    }
  }

  function fieldProps(field: Field) {
    const invalid = (errors.fields[field]?.length ?? 0) > 0;
    return {
      id: `${id}-${field}`,
      name: field,
      'aria-invalid': invalid || undefined,
      'aria-describedby': invalid ? `${id}-${field}-error` : undefined,
      className: invalid ? 'input input--invalid' : 'input',
    };
  }

  function fieldError(field: Field) {
    const messages = errors.fields[field] ?? [];
    if (messages.length === 0) return null;
    return (
      <p className="field__error" id={`${id}-${field}-error`}>
        {messages.join(' ')}
      </p>
    );
  }

  return (
    <form
      className="login-form"
      onSubmit={(e) => void handleSubmit(e)}
      noValidate
      aria-busy={submitting}
    >
      {errors.general.length > 0 && (
        <div className="form-alert" role="alert">
          {errors.general.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}

      <div className="field">
        <label htmlFor={`${id}-username`}>Username</label>
        <input
          {...fieldProps('username')}
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          autoFocus
          value={username}
          onChange={(e) => {
            setUsername(e.target.value);
          }}
        />
        {fieldError('username')}
      </div>

      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          {...fieldProps('password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => {
            setPassword(e.target.value);
          }}
        />
        {fieldError('password')}
      </div>

      <button
        type="submit"
        className="button button--primary button--block"
        disabled={submitting}
      >
        {submitting && <span className="spinner" aria-hidden="true" />}
        Sign in
      </button>
    </form>
  );
}
