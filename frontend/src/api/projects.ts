/**
 * Creating, changing and archiving projects. Small and apart from `dashboard.ts`: the
 * project list (main bundle) lists archived projects and links to the create page.
 */
import type { components } from './schema';
import { request, type PaginatedProjectList, type Project } from './client';

type Schemas = components['schemas'];

export type ProjectCreate = Schemas['ProjectCreateRequest'];
export type ProjectUpdate = Schemas['PatchedProjectUpdateRequest'];

export function createProject(body: ProjectCreate): Promise<Project> {
  return request<Project>('POST', '/projects/', { body });
}

export function updateProject(projectId: number, body: ProjectUpdate): Promise<Project> {
  return request<Project>('PATCH', `/projects/${projectId}/`, { body });
}

/** The archived projects the user administers (everyone else's list leaves them out). */
export function listArchivedProjects(page = 1, signal?: AbortSignal): Promise<PaginatedProjectList> {
  const query = { archived: 'true', page: page > 1 ? page : undefined };
  return request<PaginatedProjectList>('GET', '/projects/', signal ? { query, signal } : { query });
}
