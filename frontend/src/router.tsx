/**
 * A tiny History API router: enough for a handful of top-level pages.
 */
import {
  useEffect,
  useMemo,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
} from 'react';

const NAVIGATE_EVENT = 'rankwise:navigate';

export interface AppLocation {
  pathname: string;
  search: string;
  searchParams: URLSearchParams;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

function currentPath(): string {
  return window.location.pathname + window.location.search;
}

export function useLocation(): AppLocation {
  const path = useSyncExternalStore(subscribe, currentPath);
  return useMemo(() => {
    const url = new URL(path, window.location.origin);
    return { pathname: url.pathname, search: url.search, searchParams: url.searchParams };
  }, [path]);
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace || to === currentPath()) {
    window.history.replaceState(null, '', to);
  } else {
    window.history.pushState(null, '', to);
  }
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/**
 * Only same-origin absolute paths are allowed as a post-login destination,
 * so `?next=` can't be used to send someone to another site.
 */
export function safeNextPath(next: string | null): string {
  if (next?.startsWith('/') !== true) return '/';
  if (next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next === '/login' || next.startsWith('/login?') || next.startsWith('/login/')) return '/';
  return next;
}

export function loginPathFor(location: Pick<AppLocation, 'pathname' | 'search'>): string {
  return `/login?next=${encodeURIComponent(location.pathname + location.search)}`;
}

export function Redirect({ to }: { to: string }): null {
  useEffect(() => {
    navigate(to, { replace: true });
  }, [to]);
  return null;
}

export type LinkProps = Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & { to: string };

export function Link({ to, onClick, ...rest }: LinkProps) {
  function handleClick(event: MouseEvent<HTMLAnchorElement>) {
    onClick?.(event);
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey ||
      (rest.target !== undefined && rest.target !== '_self')
    ) {
      return;
    }
    event.preventDefault();
    navigate(to);
  }
  return <a href={to} onClick={handleClick} {...rest} />;
}
