import { useState, type SyntheticEvent } from 'react';
import { uploadEvaluationSet, type EvaluationSet } from '../../api/evaluation';
import { CheckboxField, FormAlert, FormField } from '../../shared/FormField';
import { useAction } from '../../shared/data/useAction';

interface UploadEvaluationSetFormProps {
  projectId: number;
  onUploaded: (uploaded: EvaluationSet) => void;
}

/** Upload held-out pairs or rankings; the server names each bad record by its line. */
export function UploadEvaluationSetForm({ projectId, onUploaded }: UploadEvaluationSetFormProps) {
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [categoryKey, setCategoryKey] = useState('subset');
  const [gatesPromotion, setGatesPromotion] = useState(false);
  const action = useAction();
  const errors = action.error;

  async function submit(event: SyntheticEvent) {
    event.preventDefault();
    if (!file) return;
    const uploaded = await action.run('upload', () =>
      uploadEvaluationSet(projectId, { file, name, categoryKey, gatesPromotion }),
    );
    if (uploaded) {
      setName('');
      setFile(null);
      onUploaded(uploaded);
    }
  }

  return (
    <form className="form" aria-label="Upload an evaluation set" noValidate onSubmit={(e) => void submit(e)}>
      <FormField label="Name" errors={errors?.fieldErrors('name')}>
        {(control) => <input {...control} required maxLength={200} value={name} onChange={(e) => { setName(e.target.value); }} />}
      </FormField>
      <FormField
        label="File"
        errors={errors?.fieldErrors('file')}
        hint="TRL pairs (prompt, chosen, rejected), RewardBench (with subset) or rankings (completions, gold_ranking): .jsonl, .jsonl.gz or .parquet."
      >
        {(control) => (
          <input
            {...control}
            className="input input--file"
            type="file"
            required
            accept=".jsonl,.ndjson,.parquet,.gz"
            onChange={(e) => { setFile(e.target.files?.[0] ?? null); }}
          />
        )}
      </FormField>
      <FormField label="Category key" errors={errors?.fieldErrors('category_key')} hint="The record key whose value is an item's category.">
        {(control) => <input {...control} maxLength={100} value={categoryKey} onChange={(e) => { setCategoryKey(e.target.value); }} />}
      </FormField>
      <CheckboxField
        label="Gate promotion on this set"
        checked={gatesPromotion}
        onChange={setGatesPromotion}
        hint="A model that regresses on it, or is not evaluated on it yet, is not promoted (admins may override)."
      />
      {errors?.fieldErrors('file').length === 0 && errors.fieldErrors('name').length === 0 && (
        <FormAlert messages={[errors.message]} />
      )}
      <button className="button button--primary" type="submit" disabled={action.pending !== null || !file}>
        {action.pending ? 'Uploading…' : 'Upload set'}
      </button>
    </form>
  );
}
