import type { ReactNode } from 'react';
import { useAuth } from './auth/AuthContext';
import { TopBar } from './components/TopBar';
import { LoginPage } from './pages/LoginPage';
import { NotFoundPage } from './pages/NotFoundPage';
import { ProjectListPage } from './pages/ProjectListPage';
import { WorkspacePage } from './pages/WorkspacePage';
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

const WORKSPACE_PATH = /^\/projects\/(\d+)\/rank$/;

/** The project id of a workspace path (`/projects/7/rank`), if it is one. */
export function workspaceProjectId(path: string): number | null {
  const match = WORKSPACE_PATH.exec(path);
  return match?.[1] === undefined ? null : Number(match[1]);
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

  const projectId = workspaceProjectId(path);
  let page: ReactNode;
  if (path === '/') page = <ProjectListPage />;
  else if (projectId !== null) {
    // Keyed: another project or user is another session (drafts, outbox, leases).
    page = <WorkspacePage key={`${state.user.id}:${projectId}`} projectId={projectId} user={state.user} />;
  } else page = <NotFoundPage />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <TopBar user={state.user} onSignOut={signOut} wide={projectId !== null} />
      {page}
    </>
  );
}
