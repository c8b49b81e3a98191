import { listProjects } from '../api/client';
import { useAuth } from '../auth/AuthContext';
import { ArchivedProjects } from './ArchivedProjects';
import { ProjectCard } from './ProjectCard';
import { NEW_PROJECT_PATH } from '../shared/routes';
import { Link, useLocation } from '../router';
import { useResource } from '../shared/data/useResource';
import { useDocumentTitle } from '../shared/useDocumentTitle';

function pageFromSearch(params: URLSearchParams): number {
  const page = Number(params.get('page') ?? '1');
  return Number.isInteger(page) && page > 0 ? page : 1;
}

function pageHref(page: number): string {
  return page > 1 ? `/?page=${page}` : '/';
}

export function ProjectListPage() {
  const { state } = useAuth();
  // Staff create projects (the server checks too); project admins run their own.
  const staff = state.status === 'signed-in' && state.user.is_staff;
  const location = useLocation();
  const page = pageFromSearch(location.searchParams);
  const { state: result, retry } = useResource(`projects:${page}`, (signal) => listProjects(page, signal));
  useDocumentTitle('My projects');

  // Until the current page answers, nothing of an older one is shown.
  const current = result.status === 'loading' ? null : result;

  return (
    <main id="main" className="page">
      <div className="page__header">
        <h1 className="page__title">My projects</h1>
        {current?.status === 'loaded' && current.data.count > 0 && (
          <p className="page__subtitle">
            {current.data.count === 1 ? '1 project' : `${current.data.count} projects`}
          </p>
        )}
        {staff && (
          <Link className="button button--primary" to={NEW_PROJECT_PATH}>
            New project
          </Link>
        )}
      </div>

      {current === null && (
        <div className="state state--loading" role="status">
          <span className="spinner" aria-hidden="true" />
          Loading projects…
        </div>
      )}

      {current?.status === 'error' && (
        <div className="state state--error" role="alert">
          <p className="state__title">Couldn’t load your projects.</p>
          <p className="state__detail">{current.error.message}</p>
          <button type="button" className="button" onClick={retry}>
            Try again
          </button>
        </div>
      )}

      {current?.status === 'loaded' && current.data.results.length === 0 && (
        <div className="state state--empty">
          <p className="state__title">You’re not a member of any projects yet.</p>
          <p className="state__detail">
            {staff ? 'Create one with “New project”.' : 'Ask a project admin to add you.'}
          </p>
        </div>
      )}

      {current?.status === 'loaded' && current.data.results.length > 0 && (
        <>
          <ul className="project-list" aria-label="Projects">
            {current.data.results.map((project) => (
              <li key={project.id}>
                <ProjectCard project={project} />
              </li>
            ))}
          </ul>
          {(current.data.previous !== null || current.data.next !== null) && (
            <nav className="pagination" aria-label="Pagination">
              {current.data.previous !== null ? (
                <Link className="button" to={pageHref(page - 1)} rel="prev">
                  Previous
                </Link>
              ) : (
                <span />
              )}
              <span className="pagination__page">Page {page}</span>
              {current.data.next !== null ? (
                <Link className="button" to={pageHref(page + 1)} rel="next">
                  Next
                </Link>
              ) : (
                <span />
              )}
            </nav>
          )}
        </>
      )}

      {current !== null && <ArchivedProjects />}
    </main>
  );
}
