import { getEvaluationSet, isPending, setEvaluationGate, type EvaluationSet } from '../../api/evaluation';
import { CheckboxField, FormAlert } from '../../shared/FormField';
import { ErrorState, LoadingState } from '../../shared/StatePanels';
import { formatCount } from '../../shared/format';
import { useAction } from '../../shared/data/useAction';
import { useResource } from '../../shared/data/useResource';
import { EvaluationResultsTable } from './EvaluationResultsTable';

interface EvaluationSetPanelProps {
  projectId: number;
  evaluationSet: EvaluationSet;
}

/** One evaluation set: every model version on it (whole set, then each category), its gate. */
export function EvaluationSetPanel({ projectId, evaluationSet }: EvaluationSetPanelProps) {
  const { state, retry, update } = useResource(
    `evaluation-set:${projectId}:${evaluationSet.id}`,
    (signal) => getEvaluationSet(projectId, evaluationSet.id, signal),
    { pollWhile: (data) => data.results.some(isPending) },
  );
  const action = useAction();

  async function gate(gatesPromotion: boolean) {
    const changed = await action.run('gate', () => setEvaluationGate(projectId, evaluationSet.id, gatesPromotion));
    if (changed) update(() => changed);
  }

  const counts = evaluationSet.counts;
  const categories = Object.keys(counts.categories);
  return (
    <article className="evaluation-set" aria-label={`Evaluation set ${evaluationSet.name}`}>
      <h3 className="evaluation-set__title">{evaluationSet.name}</h3>
      <p className="muted">
        {formatCount(counts.items)} {evaluationSet.kind === 'pairs' ? 'pairs' : 'rankings'} from {evaluationSet.file_name}
        {categories.length > 0 && `, ${categories.length} categories`}.
      </p>
      {state.status === 'loading' && <LoadingState>Loading results…</LoadingState>}
      {state.status === 'error' && <ErrorState title="Couldn’t load the results." error={state.error} onRetry={retry} />}
      {state.status === 'loaded' && (
        <>
          <CheckboxField
            label="Gate promotion on this set"
            checked={state.data.gates_promotion}
            onChange={(checked) => void gate(checked)}
          />
          {action.error && <FormAlert messages={[action.error.message]} />}
          {state.data.results.length === 0 ? (
            <p className="muted">No model versions yet: each one is evaluated on this set once it is trained.</p>
          ) : (
            <>
              <EvaluationResultsTable scope="Whole set" results={state.data.results} />
              {categories.map((category) => (
                <details key={category} className="evaluation-set__category">
                  <summary>
                    {category} ({formatCount(counts.categories[category] ?? 0)} items)
                  </summary>
                  <EvaluationResultsTable scope={category} results={state.data.results} />
                </details>
              ))}
            </>
          )}
        </>
      )}
    </article>
  );
}
