import { useState, type SubmitEvent } from 'react';
import { createGenerator, type Generator, type GeneratorInput } from '../../api/generation';
import { FormField } from '../../shared/FormField';
import { fieldsNamed, formErrors, NO_ERRORS, parseNumber, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';

const FIELDS = fieldsNamed('name', 'base_url', 'model', 'api_key', 'api_key_env', 'temperature', 'max_tokens', 'concurrency', 'endpoint');

/** Define an OpenAI-compatible generator: where it is, which model, how to sample. */
export function GeneratorForm({ projectId, onCreated }: { projectId: number; onCreated: (g: Generator) => void }) {
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [model, setModel] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [endpoint, setEndpoint] = useState<'chat' | 'completions'>('chat');
  const [temperature, setTemperature] = useState('1');
  const [maxTokens, setMaxTokens] = useState('512');
  const [concurrency, setConcurrency] = useState('8');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();

  async function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const body: GeneratorInput = { name, base_url: baseUrl, model, endpoint };
    const numbers = { temperature: parseNumber(temperature), max_tokens: parseNumber(maxTokens), concurrency: parseNumber(concurrency) };
    if (numbers.temperature !== undefined) body.temperature = numbers.temperature;
    if (numbers.max_tokens !== undefined) body.max_tokens = numbers.max_tokens;
    if (numbers.concurrency !== undefined) body.concurrency = numbers.concurrency;
    if (apiKey !== '') body.api_key = apiKey;
    const created = await action.run('create', () => createGenerator(projectId, body));
    if (!created) return;
    setErrors(NO_ERRORS);
    setName('');
    setApiKey('');
    onCreated(created);
  }

  const shown = action.error ? formErrors(action.error, FIELDS) : errors;
  const fields = shown.fields;
  return (
    <form className="generator-form" onSubmit={(e) => void submit(e)} aria-label="New generator">
      {shown.general.length > 0 && (
        <div className="form-alert" role="alert">
          {shown.general.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      <FormField label="Name" errors={fields.name} hint="The model name its completions carry.">
        {(p) => <input {...p} value={name} onChange={(e) => { setName(e.target.value); }} required />}
      </FormField>
      <FormField label="Base URL" errors={fields.base_url} hint="The server's …/v1, e.g. http://gpu-box:8000/v1">
        {(p) => <input {...p} value={baseUrl} onChange={(e) => { setBaseUrl(e.target.value); }} required />}
      </FormField>
      <FormField label="Model" errors={fields.model}>
        {(p) => <input {...p} value={model} onChange={(e) => { setModel(e.target.value); }} required />}
      </FormField>
      <FormField label="API key" errors={fields.api_key} hint="Stored encrypted, never shown again. Optional.">
        {(p) => <input {...p} type="password" autoComplete="off" value={apiKey} onChange={(e) => { setApiKey(e.target.value); }} />}
      </FormField>
      <FormField label="Endpoint" errors={fields.endpoint}>
        {(p) => (
          <select {...p} value={endpoint} onChange={(e) => { setEndpoint(e.target.value === 'completions' ? 'completions' : 'chat'); }}>
            <option value="chat">Chat completions</option>
            <option value="completions">Completions</option>
          </select>
        )}
      </FormField>
      <FormField label="Temperature" errors={fields.temperature}>
        {(p) => <input {...p} inputMode="decimal" value={temperature} onChange={(e) => { setTemperature(e.target.value); }} />}
      </FormField>
      <FormField label="Max tokens" errors={fields.max_tokens}>
        {(p) => <input {...p} inputMode="numeric" value={maxTokens} onChange={(e) => { setMaxTokens(e.target.value); }} />}
      </FormField>
      <FormField label="Requests in flight" errors={fields.concurrency}>
        {(p) => <input {...p} inputMode="numeric" value={concurrency} onChange={(e) => { setConcurrency(e.target.value); }} />}
      </FormField>
      <button className="button button--primary" type="submit" disabled={action.pending !== null}>
        {action.pending ? 'Adding…' : 'Add generator'}
      </button>
    </form>
  );
}
