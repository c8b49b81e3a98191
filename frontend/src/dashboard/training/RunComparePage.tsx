import type { ReactNode } from 'react';
import type { Project } from '../../api/client';
import { getTrainingRun, type TrainingRunDetail } from '../../api/training';
import { configLabel, describeSetting } from '../datasets/ConfigList';
import {
  AccuracyChart,
  evalAccuracy,
  evalLogLoss,
  LossChart,
  trainLoss,
} from './RunCharts';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { StatusBadge } from '../ui/StatusBadge';
import { MISSING } from '../../shared/format';
import { formatMetric, metricKeys, metricLabel } from '../models/metrics';
import { compareRunIds, dashboardPath, trainingRunPath } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { Link, useLocation } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

interface Row {
  label: string;
  cells: (run: TrainingRunDetail) => ReactNode;
}

function chosenKeys(runs: readonly TrainingRunDetail[]): string[] {
  return [...new Set(runs.flatMap((run) => run.chosen_settings))];
}

function rows(runs: readonly TrainingRunDetail[]): { group: string; rows: Row[] }[] {
  return [
    {
      group: 'Run',
      rows: [
        { label: 'Status', cells: (run) => <StatusBadge status={run.status} /> },
        { label: 'Dataset', cells: (run) => `Version ${run.dataset_version}` },
        { label: 'Steps', cells: (run) => (run.total_steps > 0 ? `${run.step} / ${run.total_steps}` : MISSING) },
        { label: 'Model weights', cells: (run) => (run.best_step === null ? MISSING : `step ${run.best_step}`) },
      ],
    },
    {
      // What the researchers chose (the form's settings, and any off the defaults): the
      // internal keys every run shares would bury the differences.
      group: 'Settings',
      rows: chosenKeys(runs).map((key) => ({
        label: configLabel(key),
        cells: (run) =>
          key === 'backbone'
            ? run.backbone_label
            : key in run.config
              ? describeSetting(key, run.config[key])
              : 'default',
      })),
    },
    {
      group: 'Final metrics',
      rows: metricKeys(...runs.map((run) => run.metrics)).map((key) => ({
        label: metricLabel(key),
        cells: (run) => formatMetric(key, run.metrics[key]),
      })),
    },
  ];
}

function CompareTable({ projectId, runs }: { projectId: number; runs: readonly TrainingRunDetail[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table compare-table">
        <caption className="visually-hidden">Runs side by side</caption>
        <thead>
          <tr>
            <td />
            {runs.map((run) => (
              <th key={run.id} scope="col">
                <Link to={trainingRunPath(projectId, run.id)}>Run {run.number}</Link>
              </th>
            ))}
          </tr>
        </thead>
        {rows(runs).map(({ group, rows: groupRows }) =>
          groupRows.length === 0 ? null : (
            <tbody key={group}>
              <tr className="compare-table__group">
                <th scope="colgroup" colSpan={runs.length + 1}>
                  {group}
                </th>
              </tr>
              {groupRows.map((row) => (
                <tr key={row.label}>
                  <th scope="row">{row.label}</th>
                  {runs.map((run) => (
                    <td key={run.id}>{row.cells(run)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          ),
        )}
      </table>
    </div>
  );
}

/** Two or more runs side by side: config, final metrics, and their curves overlaid. */
export function RunComparePage({ project }: { project: Project }) {
  useDocumentTitle(`Compare runs · ${project.name}`);
  const location = useLocation();
  const ids = compareRunIds(location.searchParams);
  const { state, retry } = useResource(`compare:${project.id}:${ids.join(',')}`, (signal) =>
    Promise.all(ids.map((id) => getTrainingRun(project.id, id, signal))),
  );

  return (
    <>
      <div className="page__header">
        <div>
          <Link to={dashboardPath(project.id, 'training')} className="back-link">
            ← All runs
          </Link>
          <h1 className="page__title">Compare runs</h1>
        </div>
      </div>
      {ids.length < 2 ? (
        <EmptyState title="Pick two or more runs to compare.">
          <Link to={dashboardPath(project.id, 'training')}>Choose them on the Training page.</Link>
        </EmptyState>
      ) : (
        <>
          {state.status === 'loading' && <LoadingState>Loading the runs…</LoadingState>}
          {state.status === 'error' && (
            <ErrorState title="Couldn’t load the runs." error={state.error} onRetry={retry} />
          )}
          {state.status === 'loaded' && (
            <>
              <Section title="Side by side">
                <CompareTable projectId={project.id} runs={state.data} />
              </Section>
              <div className="chart-grid">
                <LossChart
                  title="Validation log loss"
                  series={state.data.map((run) => evalLogLoss(run, `Run ${run.number}`))}
                />
                <LossChart
                  title="Training loss"
                  series={state.data.map((run) => trainLoss(run, `Run ${run.number}`))}
                />
                <AccuracyChart
                  title="Validation accuracy"
                  series={state.data.map((run) => evalAccuracy(run, `Run ${run.number}`))}
                />
              </div>
            </>
          )}
        </>
      )}
    </>
  );
}
