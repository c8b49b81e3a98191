/**
 * The annotator's way back and their settings: their history in a project, one item of
 * it reopened with their ranking, and their workspace preferences (kept per user on the
 * server, so they follow the annotator from browser to browser).
 */
import type { components } from './schema';
import { request, type RequestOptions } from './client';

type Schemas = components['schemas'];

export type HistoryEntry = Schemas['HistoryEntry'];
export type PaginatedHistory = Schemas['PaginatedHistoryEntryList'];
/** An item reopened: the prompt and completions as the annotator saw them, and their ranking. */
export type HistoryItem = Schemas['HistoryItem'];
export type Preferences = Schemas['Preferences'];
export type PreferencesUpdate = Schemas['PatchedPreferencesUpdateRequest'];

/** How many of the annotator's last items the history panel lists. */
export const HISTORY_LENGTH = 20;

function options(signal: AbortSignal | undefined, rest: RequestOptions = {}): RequestOptions {
  return signal ? { ...rest, signal } : rest;
}

/** My last items in the project, newest first. */
export function getHistory(projectId: number, signal?: AbortSignal): Promise<PaginatedHistory> {
  const query = { page_size: HISTORY_LENGTH };
  return request<PaginatedHistory>('GET', `/projects/${projectId}/history/`, options(signal, { query }));
}

export function getHistoryItem(projectId: number, promptId: number, signal?: AbortSignal): Promise<HistoryItem> {
  return request<HistoryItem>('GET', `/projects/${projectId}/history/${promptId}/`, options(signal));
}

export function getPreferences(signal?: AbortSignal): Promise<Preferences> {
  return request<Preferences>('GET', '/me/preferences/', options(signal));
}

export function updatePreferences(changes: PreferencesUpdate): Promise<Preferences> {
  return request<Preferences>('PATCH', '/me/preferences/', { body: changes });
}
