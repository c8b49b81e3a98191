import { useState } from 'react';
import type { Project } from '../../api/client';
import {
  ACTIVE_JOB_STATUSES,
  getLeaderboard,
  listGenerationJobs,
  listGenerators,
  type GenerationJob,
  type Generator,
} from '../../api/generation';
import { Section } from '../ui/Section';
import { ErrorState, LoadingState } from '../../shared/StatePanels';
import { useResource } from '../../shared/data/useResource';
import { useDocumentTitle } from '../../shared/useDocumentTitle';
import { GeneratorForm } from './GeneratorForm';
import { GeneratorList } from './GeneratorList';
import { GenerationJobs } from './GenerationJobs';
import { LeaderboardTable } from './LeaderboardTable';

/** Generators, the jobs that ask them for completions, and the leaderboard of models. */
export function GenerationPage({ project }: { project: Project }) {
  useDocumentTitle(`Generation · ${project.name}`);
  const generators = useResource(`generators:${project.id}`, (signal) => listGenerators(project.id, signal));
  const jobs = useResource(`generation-jobs:${project.id}`, (signal) => listGenerationJobs(project.id, signal), {
    pollWhile: (list: GenerationJob[]) => list.some((job) => ACTIVE_JOB_STATUSES.has(job.status) && !job.stalled),
  });
  const [category, setCategory] = useState('');
  const board = useResource(`leaderboard:${project.id}:${category}`, (signal) =>
    getLeaderboard(project.id, category, signal),
  );

  function added(generator: Generator) {
    generators.update((list) => [...list, generator]);
  }

  function saved(generator: Generator) {
    generators.update((list) => list.map((g) => (g.id === generator.id ? generator : g)));
    generators.refresh();
  }

  function deleted(generator: Generator) {
    generators.update((list) => list.filter((g) => g.id !== generator.id));
    generators.refresh();
  }

  function changed(job: GenerationJob) {
    jobs.update((list) => [job, ...list.filter((j) => j.id !== job.id)]);
    jobs.refresh();
  }

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Generation</h1>
      </div>
      <Section title="Generators">
        {generators.state.status === 'loading' && <LoadingState>Loading generators…</LoadingState>}
        {generators.state.status === 'error' && (
          <ErrorState title="Couldn’t load the generators." error={generators.state.error} onRetry={generators.retry} />
        )}
        {generators.state.status === 'loaded' && (
          <GeneratorList projectId={project.id} generators={generators.state.data} onSaved={saved} onDeleted={deleted} />
        )}
        <GeneratorForm projectId={project.id} onSaved={added} />
      </Section>
      <Section title="Jobs">
        {jobs.state.status === 'loading' && <LoadingState>Loading generation jobs…</LoadingState>}
        {jobs.state.status === 'error' && (
          <ErrorState title="Couldn’t load the generation jobs." error={jobs.state.error} onRetry={jobs.retry} />
        )}
        {jobs.state.status === 'loaded' && generators.state.status === 'loaded' && (
          <GenerationJobs
            projectId={project.id}
            generators={generators.state.data}
            jobs={jobs.state.data}
            onChanged={changed}
          />
        )}
      </Section>
      <Section title="Leaderboard">
        <label>
          Split by item metadata key
          <input className="input" value={category} onChange={(e) => { setCategory(e.target.value); }} />
        </label>
        {board.state.status === 'loading' && <LoadingState>Loading the leaderboard…</LoadingState>}
        {board.state.status === 'error' && (
          <ErrorState title="Couldn’t load the leaderboard." error={board.state.error} onRetry={board.retry} />
        )}
        {board.state.status === 'loaded' && <LeaderboardTable board={board.state.data} />}
      </Section>
    </>
  );
}
