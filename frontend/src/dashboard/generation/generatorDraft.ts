/**
 * A generator as the form holds it (text as typed) and the bodies it sends: everything
 * for a new generator, only what changed for an edit.
 */
import type { Generator, GeneratorChanges, GeneratorInput } from '../../api/generation';
import { parseNumber } from '../../shared/formErrors';

export type Kind = Generator['kind'];

export interface Draft {
  kind: Kind;
  name: string;
  base_url: string;
  model: string;
  api_key_env: string;
  endpoint: 'chat' | 'completions';
  temperature: string;
  top_p: string;
  max_tokens: string;
  /** One stop string a line, `\n` standing for a line break. */
  stop: string;
  seed: string;
  send_n: boolean;
  concurrency: string;
  timeout_seconds: string;
}

export const NEW_DRAFT: Draft = {
  kind: 'openai', name: '', base_url: '', model: '', api_key_env: '', endpoint: 'chat', temperature: '1', top_p: '1',
  max_tokens: '512', stop: '', seed: '', send_n: false, concurrency: '8', timeout_seconds: '120',
};

const NUMBERS = ['temperature', 'top_p', 'max_tokens', 'concurrency'] as const;

// A stop string may hold a line break ("\n\n" ends a paragraph): written `\n`, and `\\`
// for a backslash, so that every list of strings has one way to be typed.
export function stopText(stop: readonly string[]): string {
  return stop.map((s) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')).join('\n');
}

export function stopList(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')));
}

/** The stored stop strings (the schema types the JSON field as unknown). */
export function storedStops(generator: Generator): string[] {
  const { stop } = generator;
  return Array.isArray(stop) ? stop.filter((s): s is string => typeof s === 'string') : [];
}

export function draftOf(generator: Generator | undefined): Draft {
  if (!generator) return NEW_DRAFT;
  const { kind, name, base_url, model, api_key_env, endpoint, send_n } = generator;
  const { temperature, top_p, max_tokens, concurrency, timeout_seconds, seed } = generator;
  return {
    kind, name, base_url, model, api_key_env, endpoint, send_n,
    temperature: String(temperature), top_p: String(top_p), max_tokens: String(max_tokens),
    concurrency: String(concurrency), timeout_seconds: String(timeout_seconds),
    seed: seed === null ? '' : String(seed), stop: stopText(storedStops(generator)),
  };
}

/** Every field the draft sets: an empty number is left out (the server's default, or as
 * stored), an empty seed is null (none). */
function fieldsOf(draft: Draft): GeneratorInput {
  const body: GeneratorInput = {
    kind: draft.kind, name: draft.name, model: draft.model, endpoint: draft.endpoint, stop: stopList(draft.stop),
    seed: parseNumber(draft.seed) ?? null,
  };
  for (const field of NUMBERS) {
    const value = parseNumber(draft[field]);
    if (value !== undefined) body[field] = value;
  }
  if (draft.kind === 'local') return body; // no server, no key, no n, no HTTP timeout
  const timeout = parseNumber(draft.timeout_seconds);
  return {
    ...body, base_url: draft.base_url, api_key_env: draft.api_key_env, send_n: draft.send_n,
    ...(timeout === undefined ? {} : { timeout_seconds: timeout }),
  };
}

/** A new generator's body: what is left empty is not sent. */
export function inputOf(draft: Draft): GeneratorInput {
  const body = fieldsOf(draft);
  if (body.api_key_env === '') delete body.api_key_env;
  if (body.stop?.length === 0) delete body.stop;
  if (body.seed === null) delete body.seed;
  return body;
}

function same(a: unknown, b: unknown): boolean {
  return Array.isArray(a) && Array.isArray(b) ? JSON.stringify(a) === JSON.stringify(b) : a === b;
}

/** What differs from the stored generator: a PATCH leaves every other field as it is.
 * An emptied variable is sent (as ''), an emptied seed as null: that is how they are taken off. */
export function changesOf(draft: Draft, generator: Generator): GeneratorChanges {
  const wanted = fieldsOf(draft);
  // A local model refuses send_n: turning a server into one turns it off.
  if (draft.kind === 'local' && generator.send_n) wanted.send_n = false;
  const fields = Object.keys(wanted) as (keyof GeneratorInput & keyof Generator)[];
  return Object.fromEntries(fields.filter((f) => !same(wanted[f], generator[f])).map((f) => [f, wanted[f]]));
}

/** Whether the stored generator sets any of the settings the form tucks away. */
export function setsMore(generator: Generator | undefined): boolean {
  if (!generator) return false;
  const { top_p, seed, send_n, timeout_seconds } = generator;
  return top_p !== 1 || storedStops(generator).length > 0 || seed !== null || send_n || timeout_seconds !== 120;
}
