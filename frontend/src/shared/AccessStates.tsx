import type { ProjectRole } from '../api/client';
import { workspacePath } from './routes';
import { Link } from '../router';
import { useDocumentTitle } from './useDocumentTitle';

/** A project that does not exist, or that the user is not a member of (the API says 404 to both). */
export function ProjectNotFound() {
  useDocumentTitle('Project not found');
  return (
    <div className="state" role="alert">
      <h1 className="page__title">Project not found</h1>
      <p className="state__detail">
        There is no project at this address, or you are not a member of it. Ask an admin to add you if you
        should be.
      </p>
      <Link className="button" to="/">
        Back to my projects
      </Link>
    </div>
  );
}

const ROLE_NAMES: Record<ProjectRole, string> = {
  annotator: 'an annotator',
  researcher: 'a researcher',
  admin: 'an admin',
};

interface NoAccessProps {
  projectId: number;
  /** The user's role in the project, when they have one. */
  role?: ProjectRole;
}

/** A page of a project that the user's role does not open (or a project they cannot open). */
export function NoAccess({ projectId, role }: NoAccessProps) {
  useDocumentTitle('No access');
  return (
    <div className="state" role="alert">
      <h1 className="page__title">You don’t have access to this page</h1>
      <p className="state__detail">
        {role === undefined
          ? 'Ask an admin of the project if you need access.'
          : `You are ${ROLE_NAMES[role]} in this project; ask an admin of the project if you need more access.`}
      </p>
      <div className="state__actions">
        {role !== undefined && (
          <Link className="button button--primary" to={workspacePath(projectId)}>
            Go to ranking
          </Link>
        )}
        <Link className="button" to="/">
          Back to my projects
        </Link>
      </div>
    </div>
  );
}
