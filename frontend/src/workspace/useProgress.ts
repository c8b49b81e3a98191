import { useCallback, useEffect, useState } from 'react';
import { getProgress, type Progress } from '../api/client';

/**
 * The signed-in annotator's progress in a project; `refresh` fetches it again
 * (after a ranking is stored). Failures keep the last known numbers: progress
 * is a nicety, never a reason to stop someone working.
 */
export function useProgress(projectId: number): { progress: Progress | null; refresh: () => void } {
  const [progress, setProgress] = useState<Progress | null>(null);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    getProgress(projectId, controller.signal).then(setProgress, () => {
      // Keep the last known numbers (or none).
    });
    return () => {
      controller.abort();
    };
  }, [projectId, version]);

  const refresh = useCallback(() => {
    setVersion((v) => v + 1);
  }, []);
  return { progress, refresh };
}
