import type { ReactNode } from 'react';
import { getProject, type Project } from '../api/client';
import { ProjectNav } from './ProjectNav';
import { ErrorState, LoadingState } from '../shared/StatePanels';
import { NoAccess, ProjectNotFound } from '../shared/AccessStates';
import { dashboardRoute, sectionOf, type DashboardRoute } from '../shared/routes';
import { useResource } from '../shared/data/useResource';
import { Link } from '../router';
import { useDocumentTitle } from '../shared/useDocumentTitle';
import './dashboard.css';
import { DatasetsPage } from './datasets/DatasetsPage';
import { DatasetVersionPage } from './datasets/DatasetVersionPage';
import { ImportPage } from './items/ImportPage';
import { ItemPage } from './items/ItemPage';
import { ItemsPage } from './items/ItemsPage';
import { MembersPage } from './members/MembersPage';
import { ModelsPage } from './models/ModelsPage';
import { GenerationPage } from './generation/GenerationPage';
import { OverviewPage } from './overview/OverviewPage';
import { ProjectSettingsPage } from './settings/ProjectSettingsPage';
import { RunComparePage } from './training/RunComparePage';
import { TrainingPage } from './training/TrainingPage';
import { TrainingRunPage } from './training/TrainingRunPage';

function AdminOnly({ children }: { children: string }) {
  return (
    <div className="state state--empty">
      <p className="state__title">Only project admins can {children}.</p>
      <p className="state__detail">Ask an admin of this project if you need a change.</p>
    </div>
  );
}

function SectionNotFound({ projectId }: { projectId: number }) {
  useDocumentTitle('Page not found');
  return (
    <div className="state">
      <h1 className="page__title">Page not found</h1>
      <p className="state__detail">This project has no page at this address.</p>
      <Link className="button" to={`/projects/${projectId}`}>
        Back to the overview
      </Link>
    </div>
  );
}

function section(route: DashboardRoute, project: Project, onChanged: (project: Project) => void): ReactNode {
  const isAdmin = project.role === 'admin';
  switch (route.page) {
    case 'overview':
      return <OverviewPage project={project} />;
    case 'items':
      return <ItemsPage project={project} />;
    case 'item':
      return <ItemPage key={route.promptId} project={project} promptId={route.promptId} />;
    case 'datasets':
      return <DatasetsPage project={project} />;
    case 'dataset':
      return <DatasetVersionPage key={route.number} project={project} number={route.number} />;
    case 'training':
      return <TrainingPage project={project} />;
    case 'run':
      return <TrainingRunPage key={route.runId} project={project} runId={route.runId} />;
    case 'compare':
      return <RunComparePage project={project} />;
    case 'models':
      return <ModelsPage project={project} />;
    case 'generation':
      return <GenerationPage project={project} />;
    case 'members':
      return isAdmin ? <MembersPage project={project} /> : <AdminOnly>manage members</AdminOnly>;
    case 'import':
      return isAdmin ? <ImportPage project={project} /> : <AdminOnly>import items</AdminOnly>;
    case 'settings':
      return isAdmin ? (
        <ProjectSettingsPage project={project} onChanged={onChanged} />
      ) : (
        <AdminOnly>change the settings</AdminOnly>
      );
    case 'not-found':
      return <SectionNotFound projectId={project.id} />;
  }
}

interface DashboardPageProps {
  projectId: number;
  /** The path after `/projects/<id>/` (`''`, `training`, `training/12`, …). */
  subpath: string;
}

/**
 * The researcher's dashboard for one project, with its navigation; annotators
 * are told it is not for them, with the way to their ranking workspace.
 */
export function DashboardPage({ projectId, subpath }: DashboardPageProps) {
  const { state, retry, update } = useResource(`project:${projectId}`, (signal) => getProject(projectId, signal));
  const route = dashboardRoute(subpath);

  if (state.status === 'loaded' && state.data.role === 'annotator') {
    return (
      <main id="main" className="dashboard">
        <NoAccess projectId={projectId} role={state.data.role} />
      </main>
    );
  }

  return (
    <main id="main" className="dashboard">
      {state.status === 'loading' && <LoadingState>Loading the project…</LoadingState>}
      {state.status === 'error' &&
        // Trying again cannot bring back a project that is not there (or not for this user).
        (state.error.status === 404 ? (
          <ProjectNotFound />
        ) : (
          <ErrorState title="Couldn’t open this project." error={state.error} onRetry={retry} />
        ))}
      {state.status === 'loaded' && (
        <>
          <div className="dashboard__header">
            <Link to="/" className="back-link">
              ← My projects
            </Link>
            <p className="dashboard__project">
              {state.data.name}
              {state.data.archived_at && <span className="archived-badge">Archived</span>}
            </p>
            <ProjectNav projectId={projectId} role={state.data.role} current={sectionOf(route)} />
          </div>
          {section(route, state.data, (changed) => {
            update(() => changed);
          })}
        </>
      )}
    </main>
  );
}
