import type { ReactNode } from 'react';
import type { Project } from '../../api/client';
import { getAgreement, type AgreementReport } from '../../api/dashboard';
import { ActivityCharts } from './ActivityCharts';
import { AgreementStats } from './AgreementStats';
import { AnnotatorTable } from './AnnotatorTable';
import { ProjectProgress } from './ProjectProgress';
import { ReviewQueue } from './ReviewQueue';
import { Section } from '../ui/Section';
import { ErrorState, LoadingState } from '../../shared/StatePanels';
import { useResource } from '../../shared/data/useResource';
import { useDocumentTitle } from '../../shared/useDocumentTitle';

/** Progress, activity, annotator quality and the review queue of a project. */
export function OverviewPage({ project }: { project: Project }) {
  useDocumentTitle(`Overview · ${project.name}`);
  const agreement = useResource(`agreement:${project.id}`, (signal) => getAgreement(project.id, signal));

  function withAgreement(render: (report: AgreementReport) => ReactNode) {
    const { state, retry } = agreement;
    if (state.status === 'loading') return <LoadingState>Loading agreement…</LoadingState>;
    if (state.status === 'error') {
      return <ErrorState title="Couldn’t load the agreement report." error={state.error} onRetry={retry} />;
    }
    return render(state.data);
  }

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Overview</h1>
      </div>
      <Section title="Progress">
        <ProjectProgress projectId={project.id} />
      </Section>
      <Section title="Activity">
        <ActivityCharts projectId={project.id} />
      </Section>
      <Section title="Agreement">
        {withAgreement((report) => (
          <AgreementStats agreement={report.project} />
        ))}
      </Section>
      <Section title="Annotators">
        {withAgreement((report) => (
          <AnnotatorTable annotators={report.annotators} />
        ))}
      </Section>
      <Section title="Flagged items">
        <ReviewQueue projectId={project.id} canReview={project.role === 'admin'} />
      </Section>
    </>
  );
}
