import { useState } from 'react';
import { tryGenerator, type Generator, type GeneratorTry } from '../../api/generation';
import { useAction } from '../../shared/data/useAction';

/** The project's generators, each with a sample prompt to try it on. */
export function GeneratorList({ projectId, generators }: { projectId: number; generators: Generator[] }) {
  return (
    <ul className="generator-list">
      {generators.map((g) => (
        <GeneratorRow key={g.id} projectId={projectId} generator={g} />
      ))}
    </ul>
  );
}

function GeneratorRow({ projectId, generator }: { projectId: number; generator: Generator }) {
  const [prompt, setPrompt] = useState('Say hello in one sentence.');
  const [answer, setAnswer] = useState<GeneratorTry | null>(null);
  const action = useAction();

  async function tryIt() {
    const found = await action.run('try', () => tryGenerator(projectId, generator.id, prompt));
    if (found) setAnswer(found);
  }

  return (
    <li className="generator-list__item">
      <p>
        <strong>{generator.name}</strong> · {generator.model} · {generator.base_url || 'local'} ·{' '}
        {generator.endpoint} · temperature {generator.temperature}
        {generator.has_api_key ? ' · key stored' : ''}
      </p>
      <div className="generator-list__try">
        <label>
          Sample prompt for {generator.name}
          <input className="input" value={prompt} onChange={(e) => { setPrompt(e.target.value); }} />
        </label>
        <button className="button" type="button" onClick={() => void tryIt()} disabled={action.pending !== null}>
          {action.pending ? 'Asking…' : `Try ${generator.name}`}
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
    </li>
  );
}
