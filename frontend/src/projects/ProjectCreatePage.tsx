import { useAuth } from '../auth/AuthContext';
import { ProjectForm } from './ProjectForm';
import { EmptyState } from '../shared/StatePanels';
import { dashboardPath } from '../shared/routes';
import { Link, navigate } from '../router';
import { useDocumentTitle } from '../shared/useDocumentTitle';
import '../dashboard/dashboard.css';
import '../dashboard/admin.css';

/** A new project (staff only); its creator becomes its admin and adds members next. */
export function ProjectCreatePage() {
  useDocumentTitle('New project');
  const { state } = useAuth();
  const staff = state.status === 'signed-in' && state.user.is_staff;
  return (
    <main id="main" className="dashboard">
      <div className="dashboard__header">
        <Link to="/" className="back-link">
          ← My projects
        </Link>
      </div>
      <div className="page__header">
        <h1 className="page__title">New project</h1>
      </div>
      {staff ? (
        <ProjectForm
          onSaved={(project) => {
            navigate(dashboardPath(project.id, 'members'));
          }}
        />
      ) : (
        <EmptyState title="Only staff users create projects.">
          Ask a staff user of this Rankwise to create one and make you its admin.
        </EmptyState>
      )}
    </main>
  );
}
