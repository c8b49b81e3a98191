/**
 * Drafts: the ranking in progress on an item, kept in localStorage so a
 * reload (or a crash) does not lose it. Removed once the ranking is stored.
 */
import { isRecord, keysWithPrefix, readJson, removeKey, writeJson } from './storage';

const PREFIX = 'rankwise:draft:v1:';
const MAX_AGE_MS = 14 * 24 * 3600 * 1000;

export interface Draft {
  /** [completion id, rank] pairs. */
  placement: [number, number][];
  timeSpentMs: number;
  savedAt: number;
}

export interface DraftScope {
  userId: number;
  projectId: number;
}

export function draftKey(scope: DraftScope, promptId: number): string {
  return `${PREFIX}${scope.userId}:${scope.projectId}:${promptId}`;
}

function isPair(value: unknown): value is [number, number] {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'number' &&
    typeof value[1] === 'number'
  );
}

function parseDraft(value: unknown): Draft | null {
  if (!isRecord(value)) return null;
  const { placement, timeSpentMs, savedAt } = value;
  if (!Array.isArray(placement) || !placement.every(isPair)) return null;
  if (typeof timeSpentMs !== 'number' || typeof savedAt !== 'number') return null;
  return { placement, timeSpentMs: Math.max(0, timeSpentMs), savedAt };
}

export function loadDraft(scope: DraftScope, promptId: number): Draft | null {
  return parseDraft(readJson(draftKey(scope, promptId)));
}

export function saveDraft(scope: DraftScope, promptId: number, draft: Draft): void {
  writeJson(draftKey(scope, promptId), draft);
}

export function removeDraft(scope: DraftScope, promptId: number): void {
  removeKey(draftKey(scope, promptId));
}

/** Forget drafts nobody came back to (their leases are long gone). */
export function pruneDrafts(now: number): void {
  for (const key of keysWithPrefix(PREFIX)) {
    const draft = parseDraft(readJson(key));
    if (draft === null || now - draft.savedAt > MAX_AGE_MS) removeKey(key);
  }
}
