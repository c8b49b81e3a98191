import { getActivity, type ActivityDay } from '../../api/training';
import { formatDay, formatPercent } from '../../shared/format';
import { useResource } from '../../shared/data/useResource';
import { BarChart } from '../charts/BarChart';
import { spreadIndexes } from '../charts/chartScale';
import { LineChart } from '../charts/LineChart';
import { ErrorState, LoadingState } from '../../shared/StatePanels';

function AgreementChart({ days }: { days: readonly ActivityDay[] }) {
  const label = (index: number) => formatDay(days[index]?.day ?? '');
  return (
    <LineChart
      title="Pairwise agreement per day"
      series={[{ name: 'Pairwise agreement', points: days.map((d, i) => ({ x: i, y: d.pairwise_agreement })) }]}
      xLabel="Day"
      yDomain={[0, 1]}
      xTicks={spreadIndexes(days.length, 6)}
      formatX={label}
      formatY={(y) => formatPercent(y, 0)}
      emptyText="No item has two rankings yet, so there is no agreement to show."
    />
  );
}

/** Rankings and agreement per day over the last 30 days with data. */
export function ActivityCharts({ projectId }: { projectId: number }) {
  const { state, retry } = useResource(`activity:${projectId}`, (signal) => getActivity(projectId, signal));
  if (state.status === 'loading') return <LoadingState>Loading activity…</LoadingState>;
  if (state.status === 'error') {
    return <ErrorState title="Couldn’t load the activity." error={state.error} onRetry={retry} />;
  }
  const days = state.data.days;
  return (
    <div className="chart-grid">
      <BarChart
        title="Rankings per day"
        bars={days.map((d) => ({ label: formatDay(d.day), value: d.rankings }))}
        unit="rankings"
        emptyText="No rankings in the last 30 days."
      />
      <AgreementChart days={days} />
    </div>
  );
}
