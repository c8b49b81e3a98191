import { useState } from 'react';
import { deleteGenerator, tryGenerator, type Generator, type GeneratorTry } from '../../api/generation';
import { Dialog } from '../../shared/Dialog';
import { useAction } from '../../shared/data/useAction';
import { GeneratorForm } from './GeneratorForm';
import { storedStops } from './generatorDraft';

interface GeneratorListProps {
  projectId: number;
  generators: Generator[];
  onSaved: (generator: Generator) => void;
  onDeleted: (generator: Generator) => void;
}

/** The project's generators, each with a sample prompt to try it on, to edit or delete. */
export function GeneratorList({ projectId, generators, onSaved, onDeleted }: GeneratorListProps) {
  return (
    <ul className="generator-list" aria-label="Generators">
      {generators.map((g) => (
        <GeneratorRow key={g.id} projectId={projectId} generator={g} onSaved={onSaved} onDeleted={onDeleted} />
      ))}
    </ul>
  );
}

interface GeneratorRowProps {
  projectId: number;
  generator: Generator;
  onSaved: (generator: Generator) => void;
  onDeleted: (generator: Generator) => void;
}

function GeneratorRow({ projectId, generator, onSaved, onDeleted }: GeneratorRowProps) {
  const [prompt, setPrompt] = useState('Say hello in one sentence.');
  const [answer, setAnswer] = useState<GeneratorTry | null>(null);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const action = useAction();

  async function tryIt() {
    const found = await action.run('try', () => tryGenerator(projectId, generator.id, prompt));
    if (found) setAnswer(found);
  }

  async function remove() {
    setConfirming(false);
    // A generator that wrote completions is refused (409): the row stays, with the reason.
    const done = await action.run('delete', async () => {
      await deleteGenerator(projectId, generator.id);
      return true;
    });
    if (done) onDeleted(generator);
  }

  if (editing) {
    return (
      <li className="generator-list__item">
        <GeneratorForm
          projectId={projectId}
          generator={generator}
          onSaved={(saved) => {
            setEditing(false);
            onSaved(saved);
          }}
          onCancel={() => {
            setEditing(false);
          }}
        />
      </li>
    );
  }

  return (
    <li className="generator-list__item">
      <p>
        <strong>{generator.name}</strong> · {generator.model} · {generator.kind === 'local' ? 'local model' : generator.base_url} ·{' '}
        {generator.endpoint} · temperature {generator.temperature} · up to {generator.max_tokens} tokens ·{' '}
        {generator.kind === 'local' ? `${generator.concurrency} prompts a batch` : `${generator.concurrency} in flight`}
        {settingsNote(generator)}
      </p>
      <div className="button-row">
        <button className="button" type="button" aria-label={`Edit ${generator.name}`} onClick={() => { action.reset(); setEditing(true); }}>
          Edit
        </button>
        <button
          className="button button--danger"
          type="button"
          aria-label={`Delete ${generator.name}`}
          disabled={action.pending !== null}
          onClick={() => { setConfirming(true); }}
        >
          {action.pending === 'delete' ? 'Deleting…' : 'Delete'}
        </button>
      </div>
      <div className="generator-list__try">
        <label>
          Sample prompt for {generator.name}
          <input className="input" value={prompt} onChange={(e) => { setPrompt(e.target.value); }} />
        </label>
        <button className="button" type="button" onClick={() => void tryIt()} disabled={action.pending !== null}>
          {action.pending === 'try' ? 'Asking…' : `Try ${generator.name}`}
        </button>
      </div>
      {action.error && <p role="alert">{action.error.message}</p>}
      {answer && (
        <div className="generator-list__answer" role="status">
          {answer.ok ? (
            <>
              <pre>{answer.text}</pre>
              <p className="muted">
                {answer.finish_reason} · {answer.completion_tokens} tokens · {answer.latency_ms} ms
              </p>
            </>
          ) : (
            <p>Failed: {answer.error}</p>
          )}
        </div>
      )}
      {confirming && (
        <Dialog title={`Delete ${generator.name}?`} onClose={() => { setConfirming(false); }}>
          <p className="dialog__text">
            Its settings go. A generator that has written completions is kept: they name it as their source.
          </p>
          <div className="dialog__actions">
            <button type="button" className="button" data-autofocus onClick={() => { setConfirming(false); }}>
              Keep
            </button>
            <button type="button" className="button button--danger" onClick={() => void remove()}>
              Delete generator
            </button>
          </div>
        </Dialog>
      )}
    </li>
  );
}

/** The settings worth a mention where they are set (defaults go unsaid). */
function settingsNote(generator: Generator): string {
  const stops = storedStops(generator).length;
  const notes = [
    generator.top_p !== 1 ? `top p ${generator.top_p}` : '',
    stops > 0 ? `${stops} stop ${stops === 1 ? 'string' : 'strings'}` : '',
    generator.seed !== null ? `seed ${generator.seed}` : '',
    generator.send_n ? 'sends n' : '',
    generator.has_api_key ? 'key stored' : '',
    generator.api_key_env ? `key from ${generator.api_key_env}` : '',
  ];
  return notes.filter(Boolean).map((note) => ` · ${note}`).join('');
}
