/**
 * JSON in localStorage that never throws: private windows, full quotas and
 * disabled storage fall back to memory for the life of the page.
 */
const memory = new Map<string, string>();

function store(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function readJson(key: string): unknown {
  let raw: string | null | undefined;
  try {
    raw = store()?.getItem(key);
  } catch {
    raw = undefined;
  }
  raw ??= memory.get(key) ?? null;
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

export function writeJson(key: string, value: unknown): void {
  const raw = JSON.stringify(value);
  try {
    const storage = store();
    if (storage) {
      storage.setItem(key, raw);
      memory.delete(key);
      return;
    }
  } catch {
    // Fall through to memory.
  }
  memory.set(key, raw);
}

export function removeKey(key: string): void {
  memory.delete(key);
  try {
    store()?.removeItem(key);
  } catch {
    // Nothing stored there.
  }
}

export function keysWithPrefix(prefix: string): string[] {
  const keys = [...memory.keys()].filter((k) => k.startsWith(prefix));
  try {
    const storage = store();
    if (storage) {
      for (let i = 0; i < storage.length; i += 1) {
        const key = storage.key(i);
        if (key?.startsWith(prefix) && !keys.includes(key)) keys.push(key);
      }
    }
  } catch {
    // Memory only.
  }
  return keys;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
