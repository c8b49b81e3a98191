import { getProgress, type Progress } from '../api/client';
import { useResource } from './data/useResource';

/**
 * The signed-in annotator's progress in a project; `refresh` fetches it again
 * (after a ranking is stored). Failures keep the last known numbers: progress
 * is a nicety, never a reason to stop someone working.
 */
export function useProgress(projectId: number): { progress: Progress | null; refresh: () => void } {
  const { state, refresh } = useResource(`progress:${projectId}`, (signal) => getProgress(projectId, signal), {
    quiet: true,
  });
  return { progress: state.status === 'loaded' ? state.data : null, refresh };
}
