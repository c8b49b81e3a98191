import type { ApiError } from '../api/client';

export interface FormErrors {
  /** Shown above the form: non-field errors and messages for fields it does not have. */
  general: string[];
  /** Shown next to each input, by the form's own field names. */
  fields: Partial<Record<string, string[]>>;
}

export const NO_ERRORS: FormErrors = { general: [], fields: {} };

function unique(messages: readonly string[]): string[] {
  return [...new Set(messages.filter((m) => m !== ''))];
}

/**
 * Sort an API error's messages between the form's fields and the alert above it.
 * `fieldFor` maps an API field path (`"config.epochs"`, `"split.train"`) to the
 * form field that shows it, or null. When no field claims a message, the alert
 * carries the error's own message, so something is always said.
 */
export function formErrors(error: ApiError, fieldFor: (path: string) => string | null): FormErrors {
  const general: string[] = [];
  const fields: Record<string, string[]> = {};
  for (const [path, messages] of Object.entries(error.fields)) {
    const field = path === 'non_field_errors' ? null : fieldFor(path);
    if (field === null) general.push(...messages);
    else fields[field] = unique([...(fields[field] ?? []), ...messages]);
  }
  if (general.length === 0 && Object.keys(fields).length === 0) general.push(error.message);
  return { general: unique(general), fields };
}

/** A `fieldFor` for forms whose inputs are named like the API's fields. */
export function fieldsNamed(...names: string[]): (path: string) => string | null {
  return (path) => (names.includes(path) ? path : null);
}

/** The number typed in an input, `undefined` when empty, NaN when not a number. */
export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}
