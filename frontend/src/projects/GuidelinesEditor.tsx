import { useDeferredValue, useId } from 'react';
import { MarkdownView } from '../shared/MarkdownView';

interface GuidelinesEditorProps {
  value: string;
  errors?: readonly string[] | undefined;
  onChange: (text: string) => void;
}

/**
 * The guidelines in markdown beside a live preview, rendered the way annotators will
 * see them in the workspace (the same renderer and sanitizer).
 */
export function GuidelinesEditor({ value, errors = [], onChange }: GuidelinesEditorProps) {
  const id = useId();
  // Typing stays quick in long guidelines: the preview may lag a keystroke behind.
  const preview = useDeferredValue(value);
  const invalid = errors.length > 0;
  return (
    <div className="field form-grid__wide guidelines-editor">
      <label htmlFor={id}>Guidelines</label>
      <p className="field__hint" id={`${id}-hint`}>
        Markdown, shown to annotators beside every item (G opens it).
      </p>
      <div className="guidelines-editor__panes">
        <textarea
          id={id}
          className={invalid ? 'input input--invalid guidelines-editor__source' : 'input guidelines-editor__source'}
          aria-describedby={invalid ? `${id}-hint ${id}-error` : `${id}-hint`}
          aria-invalid={invalid || undefined}
          spellCheck
          rows={14}
          value={value}
          onChange={(e) => {
            onChange(e.target.value);
          }}
        />
        <section className="guidelines-editor__preview" aria-label="Guidelines preview">
          {preview.trim() === '' ? (
            <p className="muted">The preview appears here as you type.</p>
          ) : (
            <MarkdownView source={preview} />
          )}
        </section>
      </div>
      {invalid && (
        <p className="field__error" id={`${id}-error`}>
          {errors.join(' ')}
        </p>
      )}
    </div>
  );
}
