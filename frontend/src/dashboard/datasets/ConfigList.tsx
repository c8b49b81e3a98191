import { describeValue } from './datasetVersion';

const LABELS: Record<string, string> = {
  backbone: 'Backbone',
  mode: 'Mode',
  epochs: 'Epochs',
  learning_rate: 'Learning rate',
  max_length: 'Max length',
  token_budget: 'Token budget',
  seed: 'Seed',
  early_stopping_patience: 'Early stopping',
  eval_every: 'Evaluation',
};

const MODES: Record<string, string> = { full: 'Full fine-tune', top_layers: 'Top layers', head: 'Head only' };

/** A setting's value as a researcher reads it ("Full fine-tune", "after 3 evaluations…"). */
export function describeSetting(key: string, value: unknown): string {
  if (key === 'mode' && typeof value === 'string') return MODES[value] ?? value;
  if (key === 'early_stopping_patience' && typeof value === 'number') {
    return value === 0 ? 'off' : `after ${value} evaluation${value === 1 ? '' : 's'} without a validation gain`;
  }
  if (key === 'eval_every' && typeof value === 'number') {
    return value === 0 ? 'about 10 times a run' : value === 1 ? 'every step' : `every ${value} steps`;
  }
  return describeValue(value);
}

export function configLabel(key: string): string {
  return LABELS[key] ?? key.replaceAll('_', ' ');
}

/** The known config keys first, in form order, then the rest. */
export function configKeys(...configs: readonly Record<string, unknown>[]): string[] {
  const present = new Set(configs.flatMap((config) => Object.keys(config)));
  const known = Object.keys(LABELS).filter((key) => present.has(key));
  return [...known, ...[...present].filter((key) => !(key in LABELS)).sort()];
}

/** A run's training config as label / value pairs. */
export function ConfigList({ config }: { config: Record<string, unknown> }) {
  const keys = configKeys(config);
  if (keys.length === 0) return <p className="muted">Server defaults.</p>;
  return (
    <dl className="facts">
      {keys.map((key) => (
        <div key={key} className="facts__row">
          <dt>{configLabel(key)}</dt>
          <dd className={key === 'backbone' ? 'mono' : undefined}>{describeValue(config[key])}</dd>
        </div>
      ))}
    </dl>
  );
}
