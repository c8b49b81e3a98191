import { useState, type SubmitEvent } from 'react';
import { listDatasetVersions } from '../../api/dashboard';
import {
  listBackbones,
  startTrainingRun,
  type Backbone,
  type TrainingMode,
  type TrainingRun,
  type TrainingRunConfig,
} from '../../api/training';
import { formErrors, NO_ERRORS, parseNumber, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { useResource } from '../../shared/data/useResource';
import { FormAlert, FormField } from '../../shared/FormField';

type NumberKey = 'epochs' | 'learning_rate' | 'max_length' | 'token_budget' | 'seed' | 'early_stopping_patience';

interface NumberField {
  key: NumberKey;
  label: string;
  hint: string;
  integer: boolean;
  /** What the server uses when the field is left empty, where the reader should see it. */
  placeholder?: string;
}

const NUMBER_FIELDS: NumberField[] = [
  { key: 'epochs', label: 'Epochs', hint: 'Passes over the training split.', integer: true },
  { key: 'learning_rate', label: 'Learning rate', hint: 'For example 2e-5.', integer: false },
  { key: 'max_length', label: 'Max length', hint: 'Tokens per prompt and completion.', integer: true },
  { key: 'token_budget', label: 'Token budget', hint: 'Tokens per batch.', integer: true },
  { key: 'seed', label: 'Seed', hint: 'For a repeatable run.', integer: true },
  {
    key: 'early_stopping_patience',
    label: 'Early stopping',
    hint: 'Stop after this many evaluations (about 10 per run) without a validation gain; 0 trains to the end. The model is the best evaluation’s weights either way.',
    integer: true,
    placeholder: '3 (default)',
  },
];

const CONFIG_FIELDS = ['backbone', 'mode', ...NUMBER_FIELDS.map((f) => f.key)];

/** Offered before the project's list arrives (and if it cannot be loaded). */
const DEFAULT_BACKBONE: Backbone = { name: 'default', label: 'Default MiniLM (all-MiniLM-L6-v2)', kind: 'default' };

const BACKBONE_GROUPS: { kind: Backbone['kind']; label: string }[] = [
  { kind: 'allowlist', label: 'Installed backbones' },
  { kind: 'model', label: 'Model versions of this project' },
];

/** The server may name a config field `config.epochs` or `epochs`. */
function fieldFor(path: string): string | null {
  const name = path.startsWith('config.') ? path.slice('config.'.length) : path;
  if (CONFIG_FIELDS.includes(name)) return name;
  return path === 'dataset_version' ? path : null;
}

type Draft = { backbone: string; mode: TrainingMode; datasetVersion: string } & Record<NumberKey, string>;

const INITIAL: Draft = {
  backbone: DEFAULT_BACKBONE.name,
  mode: 'full',
  datasetVersion: '',
  epochs: '',
  learning_rate: '',
  max_length: '',
  token_budget: '',
  seed: '',
  early_stopping_patience: '',
};

/** The config for a draft (empty fields left to the server), or what is wrong with it. */
function toConfig(draft: Draft): TrainingRunConfig | FormErrors {
  // The backbone is always sent: left out, a project default set by an admin would apply,
  // not the one the select shows.
  const config: TrainingRunConfig = { backbone: draft.backbone, mode: draft.mode };
  const fields: FormErrors['fields'] = {};
  for (const { key, integer } of NUMBER_FIELDS) {
    const value = parseNumber(draft[key]);
    if (value === undefined) continue;
    if (Number.isNaN(value) || (integer && !Number.isInteger(value))) {
      fields[key] = [integer ? 'Enter a whole number, or leave it empty.' : 'Enter a number, or leave it empty.'];
    } else {
      config[key] = value;
    }
  }
  return Object.keys(fields).length > 0 ? { general: [], fields } : config;
}

interface TrainingRunFormProps {
  projectId: number;
  onStarted: (run: TrainingRun) => void;
}

/** Start a training run: backbone, mode, hyperparameters and the dataset version. */
export function TrainingRunForm({ projectId, onStarted }: TrainingRunFormProps) {
  const [draft, setDraft] = useState<Draft>(INITIAL);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();
  const versions = useResource(`ready-datasets:${projectId}`, (signal) =>
    listDatasetVersions(projectId, 1, signal),
  );
  const ready = versions.state.status === 'loaded' ? versions.state.data.results.filter((v) => v.status === 'ready') : [];
  const backbones = useResource(`backbones:${projectId}`, (signal) => listBackbones(projectId, signal));
  const backboneChoices = backbones.state.status === 'loaded' ? backbones.state.data : [DEFAULT_BACKBONE];

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((before) => ({ ...before, [key]: value }));
  }

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    const config = toConfig(draft);
    if ('general' in config) {
      action.reset();
      setErrors(config);
      return;
    }
    setErrors(NO_ERRORS);
    const datasetVersion = draft.datasetVersion === '' ? null : Number(draft.datasetVersion);
    const run = await action.run('start', () => startTrainingRun(projectId, { dataset_version: datasetVersion, config }));
    if (run) onStarted(run);
  }

  const shown = action.error ? formErrors(action.error, fieldFor) : errors;

  return (
    <form className="form-grid" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
      <FormAlert messages={shown.general} />
      <FormField
        label="Backbone"
        hint={
          backbones.state.status === 'error'
            ? `The backbones couldn’t be loaded (${backbones.state.error.message}): only the default is offered.`
            : 'The model the reward model starts from: the default MiniLM, one your administrators installed, or a model version of this project.'
        }
        errors={shown.fields.backbone}
        className="form-grid__wide"
      >
        {(control) => (
          <select
            {...control}
            value={draft.backbone}
            onChange={(e) => {
              set('backbone', e.target.value);
            }}
          >
            {backboneChoices
              .filter((choice) => choice.kind === 'default')
              .map((choice) => (
                <option key={choice.name} value={choice.name}>
                  {choice.label}
                </option>
              ))}
            {BACKBONE_GROUPS.map(({ kind, label }) => {
              const members = backboneChoices.filter((choice) => choice.kind === kind);
              if (members.length === 0) return null;
              return (
                <optgroup key={kind} label={label}>
                  {members.map((choice) => (
                    <option key={choice.name} value={choice.name}>
                      {choice.label}
                    </option>
                  ))}
                </optgroup>
              );
            })}
          </select>
        )}
      </FormField>
      <FormField label="Mode" hint="What is trained." errors={shown.fields.mode}>
        {(control) => (
          <select
            {...control}
            value={draft.mode}
            onChange={(e) => {
              set('mode', e.target.value as TrainingMode);
            }}
          >
            <option value="full">Full fine-tune</option>
            <option value="top_layers">Top layers</option>
            <option value="head">Head only</option>
          </select>
        )}
      </FormField>
      <FormField
        label="Dataset version"
        hint={versions.state.status === 'error' ? `The versions couldn’t be loaded: ${versions.state.error.message}` : 'Only ready versions can be trained on.'}
        errors={shown.fields.dataset_version}
      >
        {(control) => (
          <select
            {...control}
            value={draft.datasetVersion}
            onChange={(e) => {
              set('datasetVersion', e.target.value);
            }}
          >
            <option value="">Latest ready version</option>
            {ready.map((version) => (
              <option key={version.id} value={version.number}>
                Version {version.number}
                {version.name ? ` · ${version.name}` : ''}
              </option>
            ))}
          </select>
        )}
      </FormField>
      {NUMBER_FIELDS.map(({ key, label, hint, integer, placeholder }) => (
        <FormField key={key} label={label} hint={hint} errors={shown.fields[key]}>
          {(control) => (
            <input
              {...control}
              type="text"
              inputMode={integer ? 'numeric' : 'decimal'}
              placeholder={placeholder ?? 'Default'}
              value={draft[key]}
              onChange={(e) => {
                set(key, e.target.value);
              }}
            />
          )}
        </FormField>
      ))}
      <div className="form-grid__wide">
        <button type="submit" className="button button--primary" disabled={action.pending !== null}>
          {action.pending && <span className="spinner" aria-hidden="true" />}
          Start training run
        </button>
      </div>
    </form>
  );
}
