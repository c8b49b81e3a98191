import { useCallback, useDeferredValue, useEffect, useEffectEvent, useMemo, useState } from 'react';
import { getProject, type ApiError, type Project, type User } from '../api/client';
import type { HistoryItem } from '../api/workspace';
import { useAuth } from '../auth/AuthContext';
import { NoAccess, ProjectNotFound } from '../shared/AccessStates';
import { GuidelinesPanel } from './components/GuidelinesPanel';
import { HistoryPanel } from './components/HistoryPanel';
import { ItemWorkspace } from './components/ItemWorkspace';
import { NoticeList } from './components/NoticeList';
import { ProgressSummary } from '../shared/ProgressSummary';
import { RevisionBar } from './components/RevisionBar';
import { SaveStatus } from './components/SaveStatus';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { Link } from '../router';
import { useResource } from '../shared/data/useResource';
import { useDocumentTitle } from '../shared/useDocumentTitle';
import { pruneDrafts } from './drafts';
import { hasModifier, isTypingTarget } from './keys';
import type { FinishAction } from './session';
import { useAnnotationSession } from './useAnnotationSession';
import { usePreferences } from './usePreferences';
import { useProgress } from '../shared/useProgress';
import { useWayBack } from './useWayBack';
import { ShortcutButton } from './components/ShortcutButton';

function Loading({ children }: { children: string }) {
  return (
    <div className="state state--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </div>
  );
}

function ProjectError({ error, onRetry, projectId }: { error: ApiError; onRetry: () => void; projectId: number }) {
  // Trying again cannot help when the project is not there or not for this user.
  if (error.status === 404) return <ProjectNotFound />;
  if (error.status === 403) return <NoAccess projectId={projectId} />;
  return (
    <div className="state state--error" role="alert">
      <p className="state__title">Couldn’t open this project.</p>
      <p className="state__detail">{error.message}</p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

type SidePanel = 'guidelines' | 'history' | null;

interface WorkspacePageProps {
  projectId: number;
  user: User;
}

/** The ranking workspace: the annotator's item, progress, guidelines, history, and what is being saved. */
export function WorkspacePage({ projectId, user }: WorkspacePageProps) {
  const { sessionExpired } = useAuth();
  const { state: projectState, retry: retryProject } = useResource(`project:${projectId}`, (signal) =>
    getProject(projectId, signal),
  );
  const { progress, refresh: refreshProgress } = useProgress(projectId);
  const [storedCount, setStoredCount] = useState(0);
  const onStored = useCallback(() => {
    refreshProgress();
    setStoredCount((n) => n + 1);
  }, [refreshProgress]);
  const [session, snapshot] = useAnnotationSession({
    projectId,
    userId: user.id,
    onUnauthenticated: sessionExpired,
    onStored,
  });
  const { preferences, error: preferencesError, change: changePreferences } = usePreferences();
  const [panel, setPanel] = useState<SidePanel>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const project = projectState.status === 'loaded' ? projectState.data : null;
  const locked = project?.rankings_locked ?? false;
  const wayBack = useWayBack({ projectId, session, locked, onUnauthenticated: sessionExpired });
  const { loadHistory, reopened } = wayBack;
  useDocumentTitle(project ? `Rank · ${project.name}` : 'Rank');

  useEffect(() => {
    pruneDrafts(Date.now());
  }, []);

  // The open history follows what is stored (a new ranking, a revision).
  useEffect(() => {
    if (panel === 'history') void loadHistory();
  }, [panel, storedCount, loadHistory]);

  function togglePanel(which: Exclude<SidePanel, null>) {
    setPanel((open) => (open === which ? null : which));
  }

  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (shortcutsOpen || event.defaultPrevented || hasModifier(event) || isTypingTarget(event.target)) {
      return;
    }
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === '?') {
      event.preventDefault();
      setShortcutsOpen(true);
    } else if (key === 'g') {
      event.preventDefault();
      togglePanel('guidelines');
    } else if (key === 'h') {
      event.preventDefault();
      togglePanel('history');
    } else if (key === 'p') {
      event.preventDefault();
      void wayBack.previous();
    } else if (key === 'Escape' && reopened !== null) {
      event.preventDefault();
      wayBack.close();
    } else if (key === 'Escape' && panel !== null) {
      event.preventDefault();
      setPanel(null);
    }
  });
  useEffect(() => {
    const handler = (event: KeyboardEvent) => {
      onKey(event);
    };
    document.addEventListener('keydown', handler);
    return () => {
      document.removeEventListener('keydown', handler);
    };
  }, []);

  const item = snapshot.item;
  // The prefetched item is rendered hidden, in a background render, while the annotator
  // works; on submit the same component is shown (same key), with nothing left to build.
  const deferredUpcoming = useDeferredValue(snapshot.upcoming);
  const upcoming = deferredUpcoming?.id === item?.id ? null : deferredUpcoming;
  // Stable props: the item on screen does not re-render when progress or save status change.
  const scope = useMemo(() => ({ userId: user.id, projectId }), [user.id, projectId]);
  const finish = useCallback(
    (action: FinishAction) => {
      if (item) session.finish(item, action);
    },
    [session, item],
  );
  const revising = reopened !== null;

  function queue() {
    switch (snapshot.phase) {
      case 'waiting':
        return <Loading>Saving your last ranking before loading the next item…</Loading>;
      case 'loading':
        return <Loading>Loading the next item…</Loading>;
      case 'done':
        return (
          <div className="state state--empty">
            <p className="state__title">Nothing left for you to rank here.</p>
            <p className="state__detail">
              Every item has all the rankings it needs, or you ranked it already.
            </p>
            <div className="state__actions">
              <button type="button" className="button" onClick={() => { session.reload(); }}>
                Check again
              </button>
              <Link className="button" to="/">
                Back to my projects
              </Link>
            </div>
          </div>
        );
      case 'error':
        return (
          <div className="state state--error" role="alert">
            <p className="state__title">Couldn’t load the next item.</p>
            <p className="state__detail">{snapshot.error?.message}</p>
            <button type="button" className="button" onClick={() => { session.reload(); }}>
              Try again
            </button>
          </div>
        );
      case 'ready':
        if (!project || !item) return <Loading>Loading the project…</Loading>;
        return (upcoming ? [item, upcoming] : [item]).map((shown) => (
          <ItemWorkspace
            key={shown.id}
            item={shown}
            // The item of the queue waits, hidden, while an earlier one is revised.
            active={shown === item && !revising}
            allowTies={project.allow_ties ?? true}
            scope={scope}
            onFinish={finish}
            paused={shortcutsOpen}
            advanceAfterRank={preferences.advance_after_rank}
            defaultRaw={project.default_raw_text ?? false}
          />
        ));
    }
  }

  function revision() {
    if (reopened === null || !project) return null;
    switch (reopened.status) {
      case 'loading':
        return (
          <Loading>{reopened.promptId === null ? 'Opening your previous item…' : 'Opening the item…'}</Loading>
        );
      case 'error':
        return (
          <div className="state state--error" role="alert">
            <p className="state__title">Couldn’t open your earlier item.</p>
            <p className="state__detail">{reopened.message}</p>
            <button type="button" className="button" onClick={wayBack.close}>
              Back to the current item
            </button>
          </div>
        );
      case 'ready':
        return (
          <Revising
            item={reopened.item}
            project={project}
            scope={scope}
            paused={shortcutsOpen}
            advanceAfterRank={preferences.advance_after_rank}
            onSave={wayBack.save}
            onClose={wayBack.close}
          />
        );
    }
  }

  function content() {
    if (projectState.status === 'error') {
      return <ProjectError error={projectState.error} onRetry={retryProject} projectId={projectId} />;
    }
    return (
      <>
        {revision()}
        <div className="workspace__queue" hidden={revising}>
          {queue()}
        </div>
      </>
    );
  }

  const usable = projectState.status !== 'error';
  return (
    <main id="main" className="workspace">
      <div className="workspace__header">
        <div className="workspace__heading">
          <Link to="/" className="back-link">
            ← My projects
          </Link>
          <h1 className="workspace__title">{project?.name ?? 'Ranking'}</h1>
          {progress && <ProgressSummary progress={progress} />}
        </div>
        {usable && (
          <div className="workspace__actions">
            <SaveStatus outbox={session.outbox} />
            <button
              type="button"
              className="button button--small"
              aria-keyshortcuts="P"
              disabled={locked}
              title={locked ? 'Rankings in this project are locked.' : 'Reopen the item before, to revise it'}
              onClick={() => {
                void wayBack.previous();
              }}
            >
              ← Previous <kbd>P</kbd>
            </button>
            <ShortcutButton
              label="History"
              shortcut="H" pressed={panel === 'history'}
              onClick={() => {
                togglePanel('history');
              }}
            />
            <ShortcutButton
              label="Guidelines"
              shortcut="G" pressed={panel === 'guidelines'}
              onClick={() => {
                togglePanel('guidelines');
              }}
            />
            <ShortcutButton
              label="Shortcuts"
              shortcut="?"
              onClick={() => {
                setShortcutsOpen(true);
              }}
            />
          </div>
        )}
      </div>
      <NoticeList
        notices={snapshot.notices}
        onDismiss={(id) => {
          session.dismissNotice(id);
        }}
      />
      <div className={`workspace__main${panel && project ? ' workspace__main--panel' : ''}`}>
        <div className="workspace__content">{content()}</div>
        {panel === 'guidelines' && project && (
          <GuidelinesPanel
            guidelines={project.guidelines ?? ''}
            onClose={() => {
              setPanel(null);
            }}
          />
        )}
        {panel === 'history' && project && (
          <HistoryPanel
            history={wayBack.history}
            locked={locked}
            openPromptId={reopened?.status === 'ready' ? reopened.item.prompt.id : null}
            onOpen={wayBack.open}
            onRetry={() => {
              void loadHistory();
            }}
            onClose={() => {
              setPanel(null);
            }}
          />
        )}
      </div>
      {shortcutsOpen && (
        <ShortcutsDialog
          advanceAfterRank={preferences.advance_after_rank}
          preferencesError={preferencesError}
          onAdvanceAfterRankChange={(advance) => {
            changePreferences({ advance_after_rank: advance });
          }}
          onClose={() => {
            setShortcutsOpen(false);
          }}
        />
      )}
    </main>
  );
}

interface RevisingProps {
  item: HistoryItem;
  project: Project;
  scope: { userId: number; projectId: number };
  paused: boolean;
  advanceAfterRank: boolean;
  onSave: (item: HistoryItem, action: Extract<FinishAction, { kind: 'ranking' }>) => void;
  onClose: () => void;
}

/** An earlier item, reopened with the annotator's ranking of it, as they saw it. */
function Revising({ item, project, scope, paused, advanceAfterRank, onSave, onClose }: RevisingProps) {
  const { ranking } = item;
  const shown = useMemo(
    () => ({ id: ranking.id, prompt: item.prompt, completions: item.completions }),
    [ranking.id, item.prompt, item.completions],
  );
  const revision = useMemo(() => ({ tiers: ranking.tiers }), [ranking.tiers]);
  return (
    <div className="revising">
      <RevisionBar ranking={ranking} onClose={onClose} />
      <ItemWorkspace
        key={`revision:${String(ranking.id)}:${String(ranking.revision)}`}
        item={shown}
        revision={revision}
        allowTies={project.allow_ties ?? true}
        scope={scope}
        paused={paused}
        advanceAfterRank={advanceAfterRank}
        defaultRaw={project.default_raw_text ?? false}
        onFinish={(action) => {
          if (action.kind === 'ranking') onSave(item, action);
        }}
      />
    </div>
  );
}
