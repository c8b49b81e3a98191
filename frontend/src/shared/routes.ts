/**
 * Where the dashboard's pages live. Small and free of React so that the main
 * bundle (the project list links here) does not pull in the dashboard itself.
 */

export type DashboardSection =
  | 'overview'
  | 'items'
  | 'datasets'
  | 'training'
  | 'models'
  | 'generation'
  | 'members'
  | 'import'
  | 'settings';

export type DashboardRoute =
  | { page: 'overview' }
  | { page: 'items' }
  | { page: 'item'; promptId: number }
  | { page: 'datasets' }
  | { page: 'dataset'; number: number }
  | { page: 'training' }
  | { page: 'run'; runId: number }
  | { page: 'compare' }
  | { page: 'models' }
  | { page: 'generation' }
  | { page: 'members' }
  | { page: 'import' }
  | { page: 'settings' }
  | { page: 'not-found' };

const PROJECT_PATH = /^\/projects\/(\d+)(?:\/(.*))?$/;

/** `/projects/7/…` → project 7 and what follows (`''` for the project itself). */
export function projectPathParts(path: string): { projectId: number; rest: string } | null {
  const match = PROJECT_PATH.exec(path);
  if (match?.[1] === undefined) return null;
  return { projectId: Number(match[1]), rest: (match[2] ?? '').replace(/\/+$/, '') };
}

const POSITIVE = /^[1-9]\d*$/;

export function dashboardRoute(rest: string): DashboardRoute {
  const [section = '', detail, ...more] = rest === '' ? [] : rest.split('/');
  if (more.length > 0) return { page: 'not-found' };
  if (detail === undefined) {
    switch (section) {
      case '':
        return { page: 'overview' };
      case 'items':
      case 'datasets':
      case 'training':
      case 'models':
      case 'generation':
      case 'members':
      case 'import':
      case 'settings':
        return { page: section };
      default:
        return { page: 'not-found' };
    }
  }
  if (section === 'items' && POSITIVE.test(detail)) return { page: 'item', promptId: Number(detail) };
  if (section === 'datasets' && POSITIVE.test(detail)) return { page: 'dataset', number: Number(detail) };
  if (section === 'training' && detail === 'compare') return { page: 'compare' };
  if (section === 'training' && POSITIVE.test(detail)) return { page: 'run', runId: Number(detail) };
  return { page: 'not-found' };
}

export function sectionOf(route: DashboardRoute): DashboardSection | null {
  switch (route.page) {
    case 'dataset':
      return 'datasets';
    case 'item':
      return 'items';
    case 'run':
    case 'compare':
      return 'training';
    case 'not-found':
      return null;
    default:
      return route.page;
  }
}

export function workspacePath(projectId: number): string {
  return `/projects/${projectId}/rank`;
}

export function dashboardPath(projectId: number, section: DashboardSection = 'overview'): string {
  return section === 'overview' ? `/projects/${projectId}` : `/projects/${projectId}/${section}`;
}

export function itemPath(projectId: number, promptId: number): string {
  return `/projects/${projectId}/items/${promptId}`;
}

/** Where staff create a project (outside any project, so not a dashboard section). */
export const NEW_PROJECT_PATH = '/projects/new';

export function datasetVersionPath(projectId: number, number: number): string {
  return `/projects/${projectId}/datasets/${number}`;
}

export function trainingRunPath(projectId: number, runId: number): string {
  return `/projects/${projectId}/training/${runId}`;
}

export function compareRunsPath(projectId: number, runIds: readonly number[]): string {
  return `/projects/${projectId}/training/compare?runs=${runIds.join(',')}`;
}

/** The run ids of a compare URL (`?runs=3,5`), without duplicates or junk. */
export function compareRunIds(params: URLSearchParams): number[] {
  const ids = (params.get('runs') ?? '').split(',').filter((id) => POSITIVE.test(id)).map(Number);
  return [...new Set(ids)];
}

export function pageFromSearch(params: URLSearchParams): number {
  const page = Number(params.get('page') ?? '1');
  return Number.isInteger(page) && page > 0 ? page : 1;
}
