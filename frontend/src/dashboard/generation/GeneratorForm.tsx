import { useState, type SubmitEvent } from 'react';
import {
  createGenerator,
  updateGenerator,
  type Generator,
  type GeneratorChanges,
  type GeneratorInput,
} from '../../api/generation';
import { CheckboxField, FormAlert, FormField } from '../../shared/FormField';
import { fieldsNamed, formErrors, NO_ERRORS, parseNumber } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';

const FIELDS = fieldsNamed('name', 'base_url', 'model', 'api_key', 'api_key_env', 'temperature', 'max_tokens', 'concurrency', 'endpoint');

interface Draft {
  name: string;
  base_url: string;
  model: string;
  api_key_env: string;
  endpoint: 'chat' | 'completions';
  temperature: string;
  max_tokens: string;
  concurrency: string;
}

const NEW: Draft = {
  name: '', base_url: '', model: '', api_key_env: '', endpoint: 'chat', temperature: '1', max_tokens: '512', concurrency: '8',
};

function draftOf(generator: Generator | undefined): Draft {
  if (!generator) return NEW;
  const { name, base_url, model, api_key_env, endpoint } = generator;
  const { temperature, max_tokens, concurrency } = generator;
  return {
    name, base_url, model, api_key_env, endpoint,
    temperature: String(temperature), max_tokens: String(max_tokens), concurrency: String(concurrency),
  };
}

/** The fields as the API takes them; an empty number or variable is left to the server's default. */
function inputOf(draft: Draft): GeneratorInput {
  const body: GeneratorInput = { name: draft.name, base_url: draft.base_url, model: draft.model, endpoint: draft.endpoint };
  if (draft.api_key_env !== '') body.api_key_env = draft.api_key_env;
  for (const field of ['temperature', 'max_tokens', 'concurrency'] as const) {
    const value = parseNumber(draft[field]);
    if (value !== undefined) body[field] = value;
  }
  return body;
}

/** What differs from the stored generator: a PATCH leaves every other field as it is. */
function changesOf(draft: Draft, generator: Generator): GeneratorChanges {
  // An emptied variable is sent (as ''): that is how it is taken off.
  const wanted: GeneratorChanges = { ...inputOf(draft), api_key_env: draft.api_key_env };
  const fields = Object.keys(wanted) as (keyof GeneratorChanges & keyof Generator)[];
  return Object.fromEntries(fields.filter((f) => wanted[f] !== generator[f]).map((f) => [f, wanted[f]]));
}

interface GeneratorFormProps {
  projectId: number;
  /** The generator to change; without one the form defines a new generator. */
  generator?: Generator;
  onSaved: (generator: Generator) => void;
  /** Back to the list without sending anything (editing only). */
  onCancel?: () => void;
}

/** Define or change an OpenAI-compatible generator: where it is, which model, how to sample. */
export function GeneratorForm({ projectId, generator, onSaved, onCancel }: GeneratorFormProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(generator));
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const action = useAction();

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((before) => ({ ...before, [key]: value }));
  }

  function save(): Promise<Generator> {
    if (!generator) return createGenerator(projectId, apiKey === '' ? inputOf(draft) : { ...inputOf(draft), api_key: apiKey });
    const changes = changesOf(draft, generator);
    // Absent keeps the stored key, '' removes it, anything else replaces it.
    if (removeKey) changes.api_key = '';
    else if (apiKey !== '') changes.api_key = apiKey;
    return updateGenerator(projectId, generator.id, changes);
  }

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const saved = await action.run('save', save);
    if (!saved) return;
    if (!generator) set('name', '');
    setApiKey('');
    onSaved(saved);
  }

  const shown = action.error ? formErrors(action.error, FIELDS) : NO_ERRORS;
  const fields = shown.fields;
  const title = generator ? `Edit ${generator.name}` : 'New generator';
  return (
    <form className="generator-form" onSubmit={(e) => void submit(e)} aria-label={title}>
      <FormAlert messages={shown.general} />
      <FormField label="Name" errors={fields.name} hint="The model name its completions carry.">
        {(p) => <input {...p} value={draft.name} onChange={(e) => { set('name', e.target.value); }} required />}
      </FormField>
      <FormField label="Base URL" errors={fields.base_url} hint="The server's …/v1, e.g. http://gpu-box:8000/v1">
        {(p) => (
          <input
            {...p}
            value={draft.base_url}
            onChange={(e) => { set('base_url', e.target.value); }}
            required={generator?.kind !== 'local'} // a local model has no server
          />
        )}
      </FormField>
      <FormField label="Model" errors={fields.model}>
        {(p) => <input {...p} value={draft.model} onChange={(e) => { set('model', e.target.value); }} required />}
      </FormField>
      <FormField label="API key" errors={fields.api_key} hint={keyHint(generator)}>
        {(p) => (
          <input
            {...p}
            type="password"
            autoComplete="off"
            value={apiKey}
            disabled={removeKey}
            onChange={(e) => { setApiKey(e.target.value); }}
          />
        )}
      </FormField>
      {generator?.has_api_key && (
        <CheckboxField
          label="Remove the stored key"
          checked={removeKey}
          onChange={(checked) => {
            setRemoveKey(checked);
            if (checked) setApiKey('');
          }}
        />
      )}
      <FormField
        label="API key variable"
        errors={fields.api_key_env}
        hint="Optional: an environment variable of the Rankwise server that holds the key; used instead of a stored key."
      >
        {(p) => <input {...p} value={draft.api_key_env} onChange={(e) => { set('api_key_env', e.target.value); }} />}
      </FormField>
      <FormField label="Endpoint" errors={fields.endpoint}>
        {(p) => (
          <select {...p} value={draft.endpoint} onChange={(e) => { set('endpoint', e.target.value === 'completions' ? 'completions' : 'chat'); }}>
            <option value="chat">Chat completions</option>
            <option value="completions">Completions</option>
          </select>
        )}
      </FormField>
      <FormField label="Temperature" errors={fields.temperature}>
        {(p) => <input {...p} inputMode="decimal" value={draft.temperature} onChange={(e) => { set('temperature', e.target.value); }} />}
      </FormField>
      <FormField label="Max tokens" errors={fields.max_tokens}>
        {(p) => <input {...p} inputMode="numeric" value={draft.max_tokens} onChange={(e) => { set('max_tokens', e.target.value); }} />}
      </FormField>
      <FormField label="Requests in flight" errors={fields.concurrency}>
        {(p) => <input {...p} inputMode="numeric" value={draft.concurrency} onChange={(e) => { set('concurrency', e.target.value); }} />}
      </FormField>
      <div className="button-row">
        <button className="button button--primary" type="submit" disabled={action.pending !== null}>
          {generator ? (action.pending ? 'Saving…' : 'Save changes') : action.pending ? 'Adding…' : 'Add generator'}
        </button>
        {onCancel && (
          <button className="button" type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function keyHint(generator: Generator | undefined): string {
  if (!generator) return 'Stored encrypted, never shown again. Optional.';
  if (generator.has_api_key) return 'A key is stored. Leave this empty to keep it, or type a new one to replace it.';
  return 'No key is stored. Optional: stored encrypted, never shown again.';
}
