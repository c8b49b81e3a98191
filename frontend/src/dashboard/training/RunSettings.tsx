import type { TrainingRunDetail } from '../../api/training';
import { ConfigList, configLabel, describeSetting } from '../datasets/ConfigList';

/**
 * The settings a researcher chose (the form's, and any other off the engine's defaults),
 * with the backbone by its model's name; the full config folded under "All settings".
 */
export function RunSettings({ run }: { run: TrainingRunDetail }) {
  const chosen = run.chosen_settings.filter((key) => key in run.config);
  return (
    <>
      <dl className="facts">
        {chosen.map((key) => (
          <div key={key} className="facts__row">
            <dt>{configLabel(key)}</dt>
            <dd className={key === 'backbone' ? 'mono' : undefined}>
              {key === 'backbone' ? run.backbone_label : describeSetting(key, run.config[key])}
            </dd>
          </div>
        ))}
      </dl>
      <details className="all-settings">
        <summary>All settings ({Object.keys(run.config).length})</summary>
        <ConfigList config={run.config} />
      </details>
    </>
  );
}
