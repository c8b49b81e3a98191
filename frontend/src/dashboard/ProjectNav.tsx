import type { ProjectRole } from '../api/client';
import { dashboardPath, workspacePath, type DashboardSection } from '../shared/routes';
import { Link } from '../router';

interface NavItem {
  section: DashboardSection;
  label: string;
  adminOnly: boolean;
}

const ITEMS: readonly NavItem[] = [
  { section: 'overview', label: 'Overview', adminOnly: false },
  { section: 'items', label: 'Items', adminOnly: false },
  { section: 'datasets', label: 'Datasets', adminOnly: false },
  { section: 'training', label: 'Training', adminOnly: false },
  { section: 'models', label: 'Models', adminOnly: false },
  { section: 'generation', label: 'Generation', adminOnly: false },
  { section: 'members', label: 'Members', adminOnly: true },
  { section: 'import', label: 'Import', adminOnly: true },
  { section: 'settings', label: 'Settings', adminOnly: true },
];

interface ProjectNavProps {
  projectId: number;
  role: ProjectRole;
  current: DashboardSection | null;
}

/** Overview · Items · Datasets · Training · Models · Members · Import · Settings · Rank */
export function ProjectNav({ projectId, role, current }: ProjectNavProps) {
  const items = ITEMS.filter((item) => !item.adminOnly || role === 'admin');
  return (
    <nav className="project-nav" aria-label="Project">
      <ul className="project-nav__list">
        {items.map((item) => (
          <li key={item.section}>
            <Link
              className="project-nav__link"
              to={dashboardPath(projectId, item.section)}
              aria-current={item.section === current ? 'page' : undefined}
            >
              {item.label}
            </Link>
          </li>
        ))}
        <li>
          <Link className="project-nav__link" to={workspacePath(projectId)}>
            Rank
          </Link>
        </li>
      </ul>
    </nav>
  );
}
