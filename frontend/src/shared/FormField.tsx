import { useId, type ReactNode } from 'react';

export interface ControlProps {
  id: string;
  className: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
}

interface FormFieldProps {
  label: string;
  /** Messages from the server (or the form's own checks) for this field. */
  errors?: readonly string[] | undefined;
  hint?: string;
  className?: string;
  /** Renders the input with the props that tie it to its label, hint and errors. */
  children: (control: ControlProps) => ReactNode;
}

/** A labelled input with its hint and its error messages next to it. */
export function FormField({ label, errors = [], hint, className, children }: FormFieldProps) {
  const id = useId();
  const invalid = errors.length > 0;
  const describedBy = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  const control: ControlProps = { id, className: invalid ? 'input input--invalid' : 'input' };
  if (invalid) control['aria-invalid'] = true;
  if (describedBy !== '') control['aria-describedby'] = describedBy;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children(control)}
      {hint && (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {invalid && (
        <p className="field__error" id={`${id}-error`}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

interface CheckboxFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  errors?: readonly string[] | undefined;
  hint?: string;
}

export function CheckboxField({ label, checked, onChange, errors = [], hint }: CheckboxFieldProps) {
  const id = useId();
  const invalid = errors.length > 0;
  const describedBy = [hint ? `${id}-hint` : '', invalid ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div className="field field--checkbox">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={checked}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy === '' ? undefined : describedBy}
          onChange={(event) => {
            onChange(event.target.checked);
          }}
        />
        {label}
      </label>
      {hint && (
        <p className="field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {invalid && (
        <p className="field__error" id={`${id}-error`}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}

/** The messages that belong to no single field, above a form. */
export function FormAlert({ messages }: { messages: readonly string[] }) {
  if (messages.length === 0) return null;
  return (
    <div className="form-alert" role="alert">
      {messages.map((message) => (
        <p key={message}>{message}</p>
      ))}
    </div>
  );
}

interface NumberFieldProps {
  label: string;
  value: string;
  onChange: (value: string) => void;
  errors?: readonly string[] | undefined;
  hint?: string;
  min?: number;
  max?: number;
  step?: number | 'any';
  /** A decimal keypad on phones; whole numbers otherwise. */
  decimal?: boolean;
  /** Marked invalid though its message is shown elsewhere (under a group of inputs). */
  invalid?: boolean;
}

/** A labelled number input that keeps what is typed as text (the form parses it on submit). */
export function NumberField(props: NumberFieldProps) {
  const { label, value, onChange, errors, hint, min, max, step, decimal = false, invalid = false } = props;
  return (
    <FormField label={label} errors={errors} {...(hint === undefined ? {} : { hint })}>
      {(control) => (
        <input
          {...control}
          {...(invalid ? { className: 'input input--invalid', 'aria-invalid': true } : {})}
          type="number"
          inputMode={decimal ? 'decimal' : 'numeric'}
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
      )}
    </FormField>
  );
}
