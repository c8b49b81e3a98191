import { useId } from 'react';
import { listArchivedProjects } from '../api/projects';
import { dashboardPath } from '../shared/routes';
import { formatDateTime } from '../shared/format';
import { useResource } from '../shared/data/useResource';
import { Link } from '../router';
import './ArchivedProjects.css';

/**
 * The archived projects the user administers, under their project list; nothing when
 * there are none (annotators and researchers never see archived projects).
 */
export function ArchivedProjects() {
  const headingId = useId();
  const { state } = useResource('archived-projects', (signal) => listArchivedProjects(1, signal));
  if (state.status !== 'loaded' || state.data.count === 0) return null;
  const { results, count } = state.data;
  return (
    <section className="archived-projects" aria-labelledby={headingId}>
      <h2 className="archived-projects__title" id={headingId}>
        Archived ({count})
      </h2>
      <ul className="archived-projects__list" aria-label="Archived projects">
        {results.map((project) => (
          <li key={project.id} className="archived-project">
            <div>
              <p className="archived-project__name">{project.name}</p>
              <p className="archived-project__meta">Archived {formatDateTime(project.archived_at)}</p>
            </div>
            <div className="archived-project__actions">
              <Link className="button button--small" to={dashboardPath(project.id, 'settings')}>
                Settings
              </Link>
              <Link className="button button--small" to={dashboardPath(project.id)}>
                Dashboard
              </Link>
            </div>
          </li>
        ))}
      </ul>
      {count > results.length && (
        <p className="archived-project__meta">
          The {results.length} most recently archived of {count}.
        </p>
      )}
    </section>
  );
}
