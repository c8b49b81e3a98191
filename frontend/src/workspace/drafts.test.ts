import { describe, expect, it } from 'vitest';
import { draftKey, loadDraft, pruneDrafts, removeDraft, saveDraft } from './drafts';

const scope = { userId: 3, projectId: 8 };
const DAY = 24 * 3600 * 1000;

describe('drafts', () => {
  it('round-trips a draft per user, project and prompt', () => {
    saveDraft(scope, 41, { placement: [[411, 1], [412, 2]], timeSpentMs: 5000, savedAt: 1 });
    expect(loadDraft(scope, 41)).toEqual({ placement: [[411, 1], [412, 2]], timeSpentMs: 5000, savedAt: 1 });
    expect(loadDraft(scope, 42)).toBeNull();
    expect(loadDraft({ userId: 4, projectId: 8 }, 41)).toBeNull();
    removeDraft(scope, 41);
    expect(loadDraft(scope, 41)).toBeNull();
  });

  it('ignores malformed drafts', () => {
    window.localStorage.setItem(draftKey(scope, 1), '{not json');
    window.localStorage.setItem(draftKey(scope, 2), JSON.stringify({ placement: [['x', 1]], timeSpentMs: 1, savedAt: 1 }));
    expect(loadDraft(scope, 1)).toBeNull();
    expect(loadDraft(scope, 2)).toBeNull();
  });

  it('prunes old and broken drafts', () => {
    const now = 100 * DAY;
    saveDraft(scope, 1, { placement: [], timeSpentMs: 0, savedAt: now - 30 * DAY });
    saveDraft(scope, 2, { placement: [], timeSpentMs: 0, savedAt: now - DAY });
    window.localStorage.setItem(draftKey(scope, 3), 'oops');
    window.localStorage.setItem('unrelated', 'kept');
    pruneDrafts(now);
    expect(loadDraft(scope, 1)).toBeNull();
    expect(loadDraft(scope, 2)).not.toBeNull();
    expect(window.localStorage.getItem(draftKey(scope, 3))).toBeNull();
    expect(window.localStorage.getItem('unrelated')).toBe('kept');
  });
});
