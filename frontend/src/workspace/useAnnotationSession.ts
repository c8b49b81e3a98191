import { useEffect, useState, useSyncExternalStore } from 'react';
import { AnnotationSession, type SessionOptions, type SessionSnapshot } from './session';

/**
 * The annotation session of the calling page. Options are read once: give
 * stable callbacks, and remount (a `key`) for another user or project.
 */
export function useAnnotationSession(options: SessionOptions): [AnnotationSession, SessionSnapshot] {
  const [session] = useState(() => new AnnotationSession(options));
  useEffect(() => session.start(), [session]);
  const snapshot = useSyncExternalStore(session.subscribe, session.getSnapshot);
  return [session, snapshot];
}
