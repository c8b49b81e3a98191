import { useCallback, useDeferredValue, useEffect, useEffectEvent, useMemo, useState } from 'react';
import { getProject, isAbortError, type ApiError, type Project, type User } from '../api/client';
import { toApiError, useAuth } from '../auth/AuthContext';
import { GuidelinesPanel } from '../components/GuidelinesPanel';
import { ItemWorkspace } from '../components/ItemWorkspace';
import { NoticeList } from '../components/NoticeList';
import { ProgressSummary } from '../components/ProgressSummary';
import { SaveStatus } from '../components/SaveStatus';
import { ShortcutsDialog } from '../components/ShortcutsDialog';
import { Link } from '../router';
import { useDocumentTitle } from '../useDocumentTitle';
import { pruneDrafts } from '../workspace/drafts';
import { hasModifier, isTypingTarget } from '../workspace/keys';
import type { FinishAction } from '../workspace/session';
import { useAnnotationSession } from '../workspace/useAnnotationSession';
import { useProgress } from '../workspace/useProgress';

type ProjectState =
  | { status: 'loading' }
  | { status: 'loaded'; project: Project }
  | { status: 'error'; error: ApiError };

function useProject(projectId: number, onUnauthenticated: () => void) {
  const [state, setState] = useState<ProjectState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    getProject(projectId, controller.signal).then(
      (project) => {
        setState({ status: 'loaded', project });
      },
      (err: unknown) => {
        if (isAbortError(err)) return;
        const error = toApiError(err);
        if (error.isUnauthenticated) onUnauthenticated();
        else setState({ status: 'error', error });
      },
    );
    return () => {
      controller.abort();
    };
  }, [projectId, attempt, onUnauthenticated]);
  const retry = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  return { state, retry };
}

function Loading({ children }: { children: string }) {
  return (
    <div className="state state--loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {children}
    </div>
  );
}

interface WorkspacePageProps {
  projectId: number;
  user: User;
}

/** The ranking workspace: the annotator's item, progress, guidelines, and what is being saved. */
export function WorkspacePage({ projectId, user }: WorkspacePageProps) {
  const { sessionExpired } = useAuth();
  const { state: projectState, retry: retryProject } = useProject(projectId, sessionExpired);
  const { progress, refresh: refreshProgress } = useProgress(projectId);
  const [session, snapshot] = useAnnotationSession({
    projectId,
    userId: user.id,
    onUnauthenticated: sessionExpired,
    onStored: refreshProgress,
  });
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const project = projectState.status === 'loaded' ? projectState.project : null;
  useDocumentTitle(project ? `Rank · ${project.name}` : 'Rank');

  useEffect(() => {
    pruneDrafts(Date.now());
  }, []);

  const onKey = useEffectEvent((event: KeyboardEvent) => {
    if (shortcutsOpen || event.defaultPrevented || hasModifier(event) || isTypingTarget(event.target)) {
      return;
    }
    if (event.key === '?') {
      event.preventDefault();
      setShortcutsOpen(true);
    } else if (event.key === 'g' || event.key === 'G') {
      event.preventDefault();
      setGuidelinesOpen((open) => !open);
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

  function content() {
    if (projectState.status === 'error') {
      return (
        <div className="state state--error" role="alert">
          <p className="state__title">Couldn’t open this project.</p>
          <p className="state__detail">{projectState.error.message}</p>
          <button type="button" className="button" onClick={retryProject}>
            Try again
          </button>
        </div>
      );
    }
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
            active={shown === item}
            allowTies={project.allow_ties ?? true}
            scope={scope}
            onFinish={finish}
            paused={shortcutsOpen}
          />
        ));
    }
  }

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
        <div className="workspace__actions">
          <SaveStatus outbox={session.outbox} />
          <button
            type="button"
            className="button button--small"
            aria-pressed={guidelinesOpen}
            aria-keyshortcuts="G"
            onClick={() => {
              setGuidelinesOpen((open) => !open);
            }}
          >
            Guidelines <kbd>G</kbd>
          </button>
          <button
            type="button"
            className="button button--small"
            aria-keyshortcuts="?"
            onClick={() => {
              setShortcutsOpen(true);
            }}
          >
            Shortcuts <kbd>?</kbd>
          </button>
        </div>
      </div>
      <NoticeList
        notices={snapshot.notices}
        onDismiss={(id) => {
          session.dismissNotice(id);
        }}
      />
      <div className={`workspace__main${guidelinesOpen ? ' workspace__main--guidelines' : ''}`}>
        <div className="workspace__content">{content()}</div>
        {guidelinesOpen && project && (
          <GuidelinesPanel
            guidelines={project.guidelines ?? ''}
            onClose={() => {
              setGuidelinesOpen(false);
            }}
          />
        )}
      </div>
      {shortcutsOpen && (
        <ShortcutsDialog
          onClose={() => {
            setShortcutsOpen(false);
          }}
        />
      )}
    </main>
  );
}
