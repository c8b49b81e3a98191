import { lazy, Suspense, type ReactNode } from 'react';
import { useAuth } from './auth/AuthContext';
import { PageErrorBoundary } from './shared/PageErrorBoundary';
import { TopBar } from './shared/TopBar';
import { NEW_PROJECT_PATH, projectPathParts } from './shared/routes';
import { LoginPage } from './auth/LoginPage';
import { NotFoundPage } from './shared/NotFoundPage';
import { ProjectListPage } from './projects/ProjectListPage';
import { WorkspacePage } from './workspace/WorkspacePage';
import { Redirect, loginPathFor, safeNextPath, useLocation } from './router';

function AppStatus({ children }: { children: ReactNode }) {
  return (
    <>
      <TopBar />
      <main id="main" className="page">
        {children}
      </main>
    </>
  );
}

// Annotators never load the dashboard: it is its own chunk, fetched on first visit.
const DashboardPage = lazy(() =>
  import('./dashboard/DashboardPage').then((module) => ({ default: module.DashboardPage })),
);
const ProjectCreatePage = lazy(() =>
  import('./projects/ProjectCreatePage').then((module) => ({ default: module.ProjectCreatePage })),
);

function DashboardLoading() {
  return (
    <main id="main" className="page">
      <div className="state state--loading" role="status">
        <span className="spinner" aria-hidden="true" />
        Loading the dashboard…
      </div>
    </main>
  );
}

export function App() {
  const { state, signOut, reload } = useAuth();
  const location = useLocation();
  // Django may hand us /login/ as well as /login.
  const path = location.pathname.replace(/\/+$/, '') || '/';

  if (state.status === 'loading') {
    return (
      <AppStatus>
        <div className="state state--loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading…
        </div>
      </AppStatus>
    );
  }

  if (state.status === 'error') {
    return (
      <AppStatus>
        <div className="state state--error" role="alert">
          <p className="state__title">Rankwise couldn’t start.</p>
          <p className="state__detail">{state.error.message}</p>
          <button type="button" className="button" onClick={reload}>
            Try again
          </button>
        </div>
      </AppStatus>
    );
  }

  if (path === '/login') {
    if (state.status === 'signed-in') {
      return <Redirect to={safeNextPath(location.searchParams.get('next'))} />;
    }
    return <LoginPage />;
  }

  if (state.status === 'signed-out') {
    return <Redirect to={loginPathFor(location)} />;
  }

  const project = projectPathParts(path);
  let page: ReactNode;
  if (path === '/') page = <ProjectListPage />;
  else if (path === NEW_PROJECT_PATH) {
    page = (
      <Suspense fallback={<DashboardLoading />}>
        <ProjectCreatePage />
      </Suspense>
    );
  } else if (project?.rest === 'rank') {
    // Keyed: another project or user is another session (drafts, outbox, leases).
    page = (
      <WorkspacePage key={`${state.user.id}:${project.projectId}`} projectId={project.projectId} user={state.user} />
    );
  } else if (project) {
    page = (
      <PageErrorBoundary key={`${state.user.id}:${project.projectId}`}>
        <Suspense fallback={<DashboardLoading />}>
          <DashboardPage projectId={project.projectId} subpath={project.rest} />
        </Suspense>
      </PageErrorBoundary>
    );
  } else page = <NotFoundPage />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar user={state.user} onSignOut={signOut} wide={project !== null} />
      {page}
    </>
  );
}
