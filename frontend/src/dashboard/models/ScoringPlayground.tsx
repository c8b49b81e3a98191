import { useId, useState, type SubmitEvent } from 'react';
import { scoreCompletions, type CompletionScore, type ModelVersion } from '../../api/training';
import { formatDecimal } from '../../shared/format';
import { formErrors, NO_ERRORS, type FormErrors } from '../../shared/formErrors';
import { dashboardPath } from '../../shared/routes';
import { useAction } from '../../shared/data/useAction';
import { Link } from '../../router';
import { MarkdownView } from '../../shared/MarkdownView';
import { FormAlert, FormField } from '../../shared/FormField';

const MIN_CANDIDATES = 2;

interface Candidate {
  key: number;
  text: string;
}

interface Scored {
  model: number;
  prompt: string;
  ranked: (CompletionScore & { text: string })[];
}

/** `completions.2` → the third candidate's field; `completions` → the list. */
function fieldFor(path: string): string | null {
  if (path === 'prompt' || path === 'model' || path === 'completions') return path;
  const match = /^completions\.(\d+)$/.exec(path);
  return match ? `candidate-${match[1] ?? ''}` : null;
}

/** The model scored with unless another is chosen: the active one, else the newest. */
function defaultModel(models: readonly ModelVersion[]): ModelVersion | undefined {
  const active = models.find((m) => m.is_active);
  if (active) return active;
  return models.reduce<ModelVersion | undefined>(
    (newest, m) => (!newest || m.number > newest.number ? m : newest),
    undefined,
  );
}

// training/services/scoring.py: (reward - reward_mean) / reward_std, statistics the model's
// final evaluation took over every completion of its validation split.
const NORMALIZED_NOTE =
  'Normalized: the reward as a z-score against the rewards this model gave the completions of its validation split (a sample of training prompts when it had none). 0 is their average, ±1 one standard deviation.';

interface ScoringPlaygroundProps {
  projectId: number;
  models: readonly ModelVersion[];
}

/** Score a prompt's candidate completions with a model and see them ranked. */
export function ScoringPlayground({ projectId, models }: ScoringPlaygroundProps) {
  const [prompt, setPrompt] = useState('');
  const [candidates, setCandidates] = useState<Candidate[]>([
    { key: 1, text: '' },
    { key: 2, text: '' },
  ]);
  const [nextKey, setNextKey] = useState(3);
  // The model the user picked; until then (or once it is gone) the default follows the list,
  // so promoting a model on this page makes it the one scored with.
  const [picked, setPicked] = useState('');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [scored, setScored] = useState<Scored | null>(null);
  const action = useAction();
  const noteId = useId();
  const fallback = defaultModel(models);
  const model = models.some((m) => String(m.id) === picked) ? picked : fallback ? String(fallback.id) : '';

  function edit(key: number, text: string) {
    setCandidates((before) => before.map((c) => (c.key === key ? { ...c, text } : c)));
  }

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    const fields: FormErrors['fields'] = {};
    if (prompt.trim() === '') fields.prompt = ['Type a prompt.'];
    candidates.forEach((c, index) => {
      if (c.text.trim() === '') fields[`candidate-${index}`] = ['Type a completion, or remove this candidate.'];
    });
    if (model === '') fields.model = ['There is no model yet: train one first.'];
    if (Object.keys(fields).length > 0) {
      action.reset();
      setErrors({ general: [], fields });
      return;
    }
    setErrors(NO_ERRORS);
    const texts = candidates.map((c) => c.text);
    const body = { prompt, completions: texts, model: Number(model) };
    const result = await action.run('score', () => scoreCompletions(projectId, body));
    if (!result) return;
    const ranked = [...result.scores]
      .sort((a, b) => a.rank - b.rank || b.reward - a.reward)
      .map((score) => ({ ...score, text: texts[score.index] ?? '' }));
    setScored({ model: result.model, prompt, ranked });
  }

  const shown = action.error ? formErrors(action.error, fieldFor) : errors;
  const scoredBy = scored ? models.find((m) => m.id === scored.model) : undefined;

  return (
    <div className="playground">
      <form className="stack" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
        <FormAlert messages={shown.general} />
        <FormField label="Prompt" errors={shown.fields.prompt}>
          {(control) => (
            <textarea
              {...control}
              className={`${control.className} textarea`}
              rows={3}
              value={prompt}
              onChange={(e) => {
                setPrompt(e.target.value);
              }}
            />
          )}
        </FormField>
        <fieldset className="fieldset">
          <legend>Candidate completions</legend>
          {shown.fields.completions && <p className="field__error">{shown.fields.completions.join(' ')}</p>}
          <div className="stack">
            {candidates.map((candidate, index) => (
              <div key={candidate.key} className="candidate">
                <FormField label={`Candidate ${index + 1}`} errors={shown.fields[`candidate-${index}`]}>
                  {(control) => (
                    <textarea
                      {...control}
                      className={`${control.className} textarea`}
                      rows={2}
                      value={candidate.text}
                      onChange={(e) => {
                        edit(candidate.key, e.target.value);
                      }}
                    />
                  )}
                </FormField>
                <button
                  type="button"
                  className="button button--ghost button--small candidate__remove"
                  disabled={candidates.length <= MIN_CANDIDATES}
                  onClick={() => {
                    setCandidates((before) => before.filter((c) => c.key !== candidate.key));
                  }}
                >
                  Remove candidate {index + 1}
                </button>
              </div>
            ))}
          </div>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setCandidates((before) => [...before, { key: nextKey, text: '' }]);
              setNextKey((k) => k + 1);
            }}
          >
            Add candidate
          </button>
        </fieldset>
        {models.length === 0 ? (
          <p className="muted">
            No model yet: a training run that succeeds adds one.{' '}
            <Link to={dashboardPath(projectId, 'training')}>Start a run</Link>
          </p>
        ) : (
          <FormField label="Model" errors={shown.fields.model}>
            {(control) => (
              <select
                {...control}
                value={model}
                onChange={(e) => {
                  setPicked(e.target.value);
                }}
              >
                {models.map((m) => (
                  <option key={m.id} value={m.id}>
                    Model version {m.number}
                    {m.is_active ? ' (active)' : ''}
                  </option>
                ))}
              </select>
            )}
          </FormField>
        )}
        <div>
          <button
            type="submit"
            className="button button--primary"
            disabled={action.pending !== null || models.length === 0}
          >
            {action.pending && <span className="spinner" aria-hidden="true" />}
            Score candidates
          </button>
        </div>
      </form>
      {scored && (
        <div className="playground__results">
          <h3 className="subsection-title">Ranked by {scoredBy ? `model version ${scoredBy.number}` : 'the model'}</h3>
          <section aria-label="Scored prompt">
            <MarkdownView source={scored.prompt} />
          </section>
          <p className="muted" id={noteId}>
            {NORMALIZED_NOTE}
          </p>
          <ol className="scored-list" aria-label="Ranked candidates">
            {scored.ranked.map((score) => (
              <li key={score.index} className="scored">
                <span className="scored__rank" aria-hidden="true">
                  {score.rank}
                </span>
                <div className="scored__body">
                  <p className="scored__title">
                    <span className="visually-hidden">Rank {score.rank}: </span>
                    Candidate {score.index + 1}
                  </p>
                  <MarkdownView source={score.text} className="scored__text" detectCode />
                  <p className="scored__numbers">
                    Reward <strong>{formatDecimal(score.reward)}</strong>
                    <span aria-hidden="true"> · </span>
                    <span aria-describedby={noteId} title={NORMALIZED_NOTE}>
                      Normalized <strong>{formatDecimal(score.normalized)}</strong>
                    </span>
                  </p>
                </div>
              </li>
            ))}
          </ol>
        </div>
      )}
    </div>
  );
}
