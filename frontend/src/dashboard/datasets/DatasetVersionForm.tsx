import { useState, type SubmitEvent } from 'react';
import {
  createDatasetVersion,
  type ConsensusMethod,
  type DatasetVersion,
  type DatasetVersionCreate,
  type PairsMode,
} from '../../api/dashboard';
import { formErrors, NO_ERRORS, parseNumber, type FormErrors } from '../../shared/formErrors';
import { useAction } from '../../shared/data/useAction';
import { CheckboxField, FormAlert, FormField, NumberField } from '../../shared/FormField';
import { SplitPreview } from './SplitPreview';

const FORM_FIELDS = ['name', 'seed', 'pairs', 'method', 'min_agreement', 'min_raters', 'include_imported', 'include_gold'];

/** `split.train`, `split.non_field_errors`… all show under the split inputs. */
function fieldFor(path: string): string | null {
  if (path === 'split' || path.startsWith('split.')) return 'split';
  return FORM_FIELDS.includes(path) ? path : null;
}

interface Draft {
  name: string;
  pairs: PairsMode;
  method: ConsensusMethod;
  minAgreement: string;
  minRaters: string;
  includeImported: boolean;
  includeGold: boolean;
  seed: string;
  train: string;
  validation: string;
  test: string;
}

const INITIAL: Draft = {
  name: '',
  pairs: 'per_rater',
  method: 'bradley_terry',
  minAgreement: '0',
  minRaters: '',
  includeImported: false,
  includeGold: false,
  seed: '0',
  train: '0.8',
  validation: '0.1',
  test: '0.1',
};

/** The request for a draft, or the fields the browser can already tell are wrong. */
function toRequest(draft: Draft): DatasetVersionCreate | FormErrors {
  const numbers = {
    seed: parseNumber(draft.seed) ?? 0,
    min_agreement: draft.pairs === 'consensus' ? (parseNumber(draft.minAgreement) ?? 0) : 0,
    min_raters: parseNumber(draft.minRaters),
    train: parseNumber(draft.train),
    validation: parseNumber(draft.validation),
    test: parseNumber(draft.test),
  };
  const fields: FormErrors['fields'] = {};
  if (!Number.isInteger(numbers.seed)) fields.seed = ['Enter a whole number.'];
  if (Number.isNaN(numbers.min_agreement)) fields.min_agreement = ['Enter a number between 0 and 1.'];
  if (numbers.min_raters !== undefined && !Number.isInteger(numbers.min_raters)) {
    fields.min_raters = ['Enter a whole number, or leave it empty.'];
  }
  const { train, validation, test } = numbers;
  if (train === undefined || validation === undefined || test === undefined || [train, validation, test].some(Number.isNaN)) {
    fields.split = ['Enter the three shares.'];
  }
  if (Object.keys(fields).length > 0) return { general: [], fields };
  return {
    name: draft.name.trim(),
    seed: numbers.seed,
    pairs: draft.pairs,
    method: draft.method,
    min_agreement: numbers.min_agreement,
    min_raters: numbers.min_raters ?? null,
    include_imported: draft.includeImported,
    include_gold: draft.includeGold,
    split: { train: train ?? 0, validation: validation ?? 0, test: test ?? 0 },
  };
}

interface DatasetVersionFormProps {
  projectId: number;
  onCreated: (version: DatasetVersion) => void;
}

/** The rule for a new dataset version: which pairs, from which rankings, split how. */
export function DatasetVersionForm({ projectId, onCreated }: DatasetVersionFormProps) {
  const [draft, setDraft] = useState<Draft>(INITIAL);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();
  const consensus = draft.pairs === 'consensus';

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((before) => ({ ...before, [key]: value }));
  }

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    const body = toRequest(draft);
    if ('general' in body) {
      action.reset();
      setErrors(body);
      return;
    }
    setErrors(NO_ERRORS);
    const version = await action.run('create', () => createDatasetVersion(projectId, body));
    if (version) onCreated(version);
  }

  const shown = action.error ? formErrors(action.error, fieldFor) : errors;
  const asRequested = toRequest(draft);

  return (
    <form className="form-grid" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
      <FormAlert messages={shown.general} />
      <FormField label="Name" hint="Optional, to tell versions apart." errors={shown.fields.name}>
        {(control) => (
          <input
            {...control}
            type="text"
            value={draft.name}
            maxLength={200}
            onChange={(e) => {
              set('name', e.target.value);
            }}
          />
        )}
      </FormField>
      <FormField
        label="Pairs"
        hint="Every rater’s pairs, or the pairs of each item’s consensus ranking."
        errors={shown.fields.pairs}
      >
        {(control) => (
          <select
            {...control}
            value={draft.pairs}
            onChange={(e) => {
              set('pairs', e.target.value as PairsMode);
            }}
          >
            <option value="per_rater">Per rater</option>
            <option value="consensus">Consensus</option>
          </select>
        )}
      </FormField>
      {consensus && (
        <FormField label="Consensus method" errors={shown.fields.method}>
          {(control) => (
            <select
              {...control}
              value={draft.method}
              onChange={(e) => {
                set('method', e.target.value as ConsensusMethod);
              }}
            >
              <option value="bradley_terry">Bradley–Terry</option>
              <option value="ranked_pairs">Ranked pairs</option>
            </select>
          )}
        </FormField>
      )}
      {consensus && (
        <NumberField
          label="Minimum agreement"
          hint="0 to 1: the share of raters who must agree on a pair."
          errors={shown.fields.min_agreement}
          decimal
          min={0}
          max={1}
          step={0.05}
          value={draft.minAgreement}
          onChange={(value) => {
            set('minAgreement', value);
          }}
        />
      )}
      <NumberField
        label="Minimum raters"
        hint="Only items with at least this many rankings. Empty: the project’s default."
        errors={shown.fields.min_raters}
        min={1}
        max={50}
        value={draft.minRaters}
        onChange={(value) => {
          set('minRaters', value);
        }}
      />
      <NumberField
        label="Seed"
        hint="Fixes the train / validation / test split."
        errors={shown.fields.seed}
        value={draft.seed}
        onChange={(value) => {
          set('seed', value);
        }}
      />
      <fieldset className="fieldset form-grid__wide">
        <legend>Split (shares of prompts, adding up to 1)</legend>
        <div className="fieldset__row">
          {(['train', 'validation', 'test'] as const).map((split) => (
            <NumberField
              key={split}
              label={split === 'train' ? 'Train' : split === 'validation' ? 'Validation' : 'Test'}
              invalid={shown.fields.split !== undefined}
              decimal
              min={0}
              max={1}
              step={0.05}
              value={draft[split]}
              onChange={(value) => {
                set(split, value);
              }}
            />
          ))}
        </div>
        {shown.fields.split && <p className="field__error">{shown.fields.split.join(' ')}</p>}
      </fieldset>
      <div className="form-grid__wide stack stack--tight">
        <CheckboxField
          label="Include imported rankings"
          checked={draft.includeImported}
          errors={shown.fields.include_imported}
          onChange={(checked) => {
            set('includeImported', checked);
          }}
        />
        <CheckboxField
          label="Include gold items"
          checked={draft.includeGold}
          errors={shown.fields.include_gold}
          onChange={(checked) => {
            set('includeGold', checked);
          }}
        />
      </div>
      <SplitPreview projectId={projectId} body={'general' in asRequested ? null : asRequested} />
      <div className="form-grid__wide">
        <button type="submit" className="button button--primary" disabled={action.pending !== null}>
          {action.pending && <span className="spinner" aria-hidden="true" />}
          Create version
        </button>
      </div>
    </form>
  );
}
