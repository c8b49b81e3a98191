import { useState, type SubmitEvent } from 'react';
import { createGenerator, updateGenerator, type Generator } from '../../api/generation';
import { CheckboxField, FormAlert, FormField, NumberField } from '../../shared/FormField';
import { fieldsNamed, formErrors, NO_ERRORS } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { changesOf, draftOf, inputOf, setsMore, type Draft } from './generatorDraft';

const named = fieldsNamed(
  'kind', 'name', 'base_url', 'model', 'api_key', 'api_key_env', 'endpoint', 'temperature', 'top_p', 'max_tokens', 'stop',
  'seed', 'send_n', 'concurrency', 'timeout_seconds',
);
// A message about one stop string ("stop.2") goes under the stop field.
const FIELDS = (path: string): string | null => (path.startsWith('stop.') ? 'stop' : named(path));
const MORE_FIELDS = ['top_p', 'stop', 'seed', 'send_n', 'timeout_seconds'];

interface GeneratorFormProps {
  projectId: number;
  /** The generator to change; without one the form defines a new generator. */
  generator?: Generator;
  onSaved: (generator: Generator) => void;
  /** Back to the list without sending anything (editing only). */
  onCancel?: () => void;
}

/** Define or change a generator: an OpenAI-compatible server or a local model, and how to sample. */
export function GeneratorForm({ projectId, generator, onSaved, onCancel }: GeneratorFormProps) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(generator));
  const [apiKey, setApiKey] = useState('');
  const [removeKey, setRemoveKey] = useState(false);
  const [moreOpen, setMoreOpen] = useState(() => setsMore(generator));
  const action = useAction();

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((before) => ({ ...before, [key]: value }));
  }

  function save(): Promise<Generator> {
    const local = draft.kind === 'local';
    if (!generator) return createGenerator(projectId, apiKey === '' || local ? inputOf(draft) : { ...inputOf(draft), api_key: apiKey });
    const changes = changesOf(draft, generator);
    // Absent keeps the stored key, '' removes it, anything else replaces it.
    if (removeKey) changes.api_key = '';
    else if (apiKey !== '' && !local) changes.api_key = apiKey;
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
  const server = draft.kind === 'openai';
  // A refused setting is never hidden in the closed section.
  const open = moreOpen || MORE_FIELDS.some((f) => fields[f]);
  const title = generator ? `Edit ${generator.name}` : 'New generator';
  return (
    <form className="generator-form" onSubmit={(e) => void submit(e)} aria-label={title}>
      <FormAlert messages={shown.general} />
      <FormField label="Kind" errors={fields.kind}>
        {(p) => (
          <select {...p} value={draft.kind} onChange={(e) => { set('kind', e.target.value === 'local' ? 'local' : 'openai'); }}>
            <option value="openai">OpenAI-compatible server</option>
            <option value="local">Local model on a GPU worker</option>
          </select>
        )}
      </FormField>
      <FormField label="Name" errors={fields.name} hint="The model name its completions carry.">
        {(p) => <input {...p} value={draft.name} onChange={(e) => { set('name', e.target.value); }} required />}
      </FormField>
      {server && (
        <FormField label="Base URL" errors={fields.base_url} hint="The server's …/v1, e.g. http://gpu-box:8000/v1">
          {(p) => <input {...p} value={draft.base_url} onChange={(e) => { set('base_url', e.target.value); }} required />}
        </FormField>
      )}
      <FormField
        label="Model"
        errors={fields.model}
        hint={server ? 'The model the server serves.' : 'A name from the server’s RANKWISE_GENERATOR_MODELS (a refused name lists them).'}
      >
        {(p) => <input {...p} value={draft.model} onChange={(e) => { set('model', e.target.value); }} required />}
      </FormField>
      {server && (
        <>
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
        </>
      )}
      {/* A local model uses it too: "chat" puts a plain prompt through the tokenizer's chat template. */}
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
      <FormField label={server ? 'Requests in flight' : 'Prompts per batch'} errors={fields.concurrency}>
        {(p) => <input {...p} inputMode="numeric" value={draft.concurrency} onChange={(e) => { set('concurrency', e.target.value); }} />}
      </FormField>
      <details className="all-settings" open={open} onToggle={(e) => { setMoreOpen(e.currentTarget.open); }}>
        <summary>More settings</summary>
        <NumberField label="Top p" value={draft.top_p} onChange={(v) => { set('top_p', v); }} errors={fields.top_p} min={0} max={1} step="any" decimal />
        <FormField label="Stop strings" errors={fields.stop} hint="One a line, up to 8; write \n for a line break.">
          {(p) => <textarea {...p} rows={3} value={draft.stop} onChange={(e) => { set('stop', e.target.value); }} />}
        </FormField>
        <NumberField
          label="Seed"
          value={draft.seed}
          onChange={(v) => { set('seed', v); }}
          errors={fields.seed}
          step={1}
          hint="Optional: each sample's seed is derived from it, the prompt and the sample's index; empty leaves it out."
        />
        {server && (
          <>
            <CheckboxField
              label="Ask for all samples in one request (n)"
              checked={draft.send_n}
              onChange={(checked) => { set('send_n', checked); }}
              errors={fields.send_n}
              hint="Only for servers that honour n: vLLM, SGLang."
            />
            <NumberField
              label="Timeout (seconds)"
              value={draft.timeout_seconds}
              onChange={(v) => { set('timeout_seconds', v); }}
              errors={fields.timeout_seconds}
              min={0.1}
              max={3600}
              step="any"
              decimal
            />
          </>
        )}
      </details>
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
