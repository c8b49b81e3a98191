import { useState, type SubmitEvent } from 'react';
import type { Project } from '../api/client';
import { createProject, updateProject, type ProjectCreate } from '../api/projects';
import { fieldsNamed, formErrors, NO_ERRORS, parseNumber, type FormErrors } from '../shared/formErrors';
import { useAction } from '../shared/data/useAction';
import { CheckboxField, FormAlert, FormField, NumberField } from '../shared/FormField';
import { GuidelinesEditor } from './GuidelinesEditor';

interface Draft {
  name: string;
  slug: string;
  description: string;
  guidelines: string;
  ratersPerItem: string;
  allowTies: boolean;
  goldPercent: string;
  leaseMinutes: string;
  rankingsLocked: boolean;
  defaultRawText: boolean;
}

const NEW_PROJECT: Draft = {
  name: '',
  slug: '',
  description: '',
  guidelines: '',
  ratersPerItem: '3',
  allowTies: true,
  goldPercent: '0',
  leaseMinutes: '10',
  rankingsLocked: false,
  defaultRawText: false,
};

function draftOf(project: Project): Draft {
  return {
    name: project.name,
    slug: project.slug,
    description: project.description ?? '',
    guidelines: project.guidelines ?? '',
    ratersPerItem: String(project.raters_per_item ?? 3),
    allowTies: project.allow_ties ?? true,
    // Rounded: 0.1 * 100 is 10.000000000000002.
    goldPercent: String(Math.round((project.gold_rate ?? 0) * 100 * 1000) / 1000),
    leaseMinutes: String(project.lease_minutes ?? 10),
    rankingsLocked: project.rankings_locked ?? false,
    defaultRawText: project.default_raw_text ?? false,
  };
}

const API_FIELDS = fieldsNamed(
  'name',
  'slug',
  'description',
  'guidelines',
  'raters_per_item',
  'allow_ties',
  'gold_rate',
  'lease_minutes',
  'rankings_locked',
  'default_raw_text',
);

function wholeNumber(text: string, least: number, most: number): string[] | undefined {
  const value = parseNumber(text);
  if (value === undefined || !Number.isInteger(value) || value < least || value > most) {
    return [`Enter a whole number from ${least} to ${most}.`];
  }
  return undefined;
}

type Settings = Omit<ProjectCreate, 'slug'>;

/** The settings of a draft, or the fields the browser can already tell are wrong. */
function toSettings(draft: Draft): Settings | FormErrors {
  const fields: FormErrors['fields'] = {};
  if (draft.name.trim() === '') fields.name = ['Enter a name.'];
  fields.raters_per_item = wholeNumber(draft.ratersPerItem, 1, 50);
  fields.lease_minutes = wholeNumber(draft.leaseMinutes, 1, 24 * 60);
  const gold = parseNumber(draft.goldPercent) ?? 0;
  if (Number.isNaN(gold) || gold < 0 || gold > 100) fields.gold_rate = ['Enter a share from 0 to 100 %.'];
  const problems = Object.fromEntries(Object.entries(fields).filter(([, messages]) => messages !== undefined));
  if (Object.keys(problems).length > 0) return { general: [], fields: problems };
  return {
    name: draft.name.trim(),
    description: draft.description,
    guidelines: draft.guidelines,
    raters_per_item: Number(draft.ratersPerItem),
    allow_ties: draft.allowTies,
    gold_rate: gold / 100,
    lease_minutes: Number(draft.leaseMinutes),
  };
}

function isErrors(value: Settings | FormErrors): value is FormErrors {
  return 'fields' in value;
}

interface ProjectFormProps {
  /** The project to edit; none to create one. */
  project?: Project;
  onSaved: (project: Project) => void;
}

/** Every setting of a project: name, raters per item, ties, gold share, lease, guidelines. */
export function ProjectForm({ project, onSaved }: ProjectFormProps) {
  const [draft, setDraft] = useState<Draft>(() => (project ? draftOf(project) : NEW_PROJECT));
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const action = useAction();
  const editing = project !== undefined;

  function change<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((before) => ({ ...before, [key]: value }));
  }

  async function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (action.pending) return;
    const settings = toSettings(draft);
    if (isErrors(settings)) {
      action.reset();
      setErrors(settings);
      return;
    }
    setErrors(NO_ERRORS);
    const saved = await action.run('save', () =>
      editing
        ? updateProject(project.id, {
            ...settings,
            rankings_locked: draft.rankingsLocked,
            default_raw_text: draft.defaultRawText,
          })
        : createProject({ ...settings, slug: draft.slug.trim() }),
    );
    if (saved) onSaved(saved);
  }

  const shown = action.error ? formErrors(action.error, API_FIELDS) : errors;

  return (
    <form className="form-grid" onSubmit={(e) => void handleSubmit(e)} noValidate aria-busy={action.pending !== null}>
      <FormAlert messages={shown.general} />
      <FormField label="Name" errors={shown.fields.name} className="form-grid__wide">
        {(control) => (
          <input
            {...control}
            type="text"
            maxLength={200}
            value={draft.name}
            onChange={(e) => {
              change('name', e.target.value);
            }}
          />
        )}
      </FormField>
      {!editing && (
        <FormField
          label="Slug"
          errors={shown.fields.slug}
          hint="Letters, digits and dashes. Left empty, it is made from the name."
        >
          {(control) => (
            <input
              {...control}
              type="text"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={100}
              value={draft.slug}
              onChange={(e) => {
                change('slug', e.target.value);
              }}
            />
          )}
        </FormField>
      )}
      <FormField label="Description" errors={shown.fields.description} className="form-grid__wide">
        {(control) => (
          <input
            {...control}
            type="text"
            value={draft.description}
            onChange={(e) => {
              change('description', e.target.value);
            }}
          />
        )}
      </FormField>
      <NumberField
        label="Raters per item"
        errors={shown.fields.raters_per_item}
        hint="How many annotators rank each item."
        min={1}
        max={50}
        value={draft.ratersPerItem}
        onChange={(value) => {
          change('ratersPerItem', value);
        }}
      />
      <NumberField
        label="Gold items (%)"
        errors={shown.fields.gold_rate}
        hint="Share of served items that are gold."
        decimal
        min={0}
        max={100}
        step="any"
        value={draft.goldPercent}
        onChange={(value) => {
          change('goldPercent', value);
        }}
      />
      <NumberField
        label="Lease (minutes)"
        errors={shown.fields.lease_minutes}
        hint="How long an annotator holds an item before it goes back to the queue."
        min={1}
        max={1440}
        value={draft.leaseMinutes}
        onChange={(value) => {
          change('leaseMinutes', value);
        }}
      />
      <CheckboxField
        label="Allow ties"
        checked={draft.allowTies}
        onChange={(checked) => {
          change('allowTies', checked);
        }}
        errors={shown.fields.allow_ties}
        hint="Annotators may give two answers the same rank."
      />
      {editing && (
        <CheckboxField
          label="Lock rankings"
          checked={draft.rankingsLocked}
          onChange={(checked) => {
            change('rankingsLocked', checked);
          }}
          errors={shown.fields.rankings_locked}
          hint="Annotators can no longer revise their rankings."
        />
      )}
      {editing && (
        <CheckboxField
          label="Show answers as raw text"
          checked={draft.defaultRawText}
          onChange={(checked) => {
            change('defaultRawText', checked);
          }}
          errors={shown.fields.default_raw_text}
          hint="Cards start as plain text instead of rendered markdown; each annotator can still switch a card (R)."
        />
      )}
      <GuidelinesEditor
        value={draft.guidelines}
        errors={shown.fields.guidelines}
        onChange={(text) => {
          change('guidelines', text);
        }}
      />
      <div className="button-row form-grid__wide">
        <button type="submit" className="button button--primary" disabled={action.pending !== null}>
          {action.pending && <span className="spinner" aria-hidden="true" />}
          {editing ? 'Save settings' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
