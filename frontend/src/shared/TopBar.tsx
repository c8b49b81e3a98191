import { useState } from 'react';
import type { User } from '../api/client';
import { Link } from '../router';

interface TopBarProps {
  user?: User | null;
  onSignOut?: () => Promise<void>;
  /** Full width, for the workspace. */
  wide?: boolean;
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : [parts[0]];
  return letters
    .map((p) => (p ? p.charAt(0) : ''))
    .join('')
    .toUpperCase();
}

export function TopBar({ user, onSignOut, wide = false }: TopBarProps) {
  const [signingOut, setSigningOut] = useState(false);
  const name = user ? user.display_name || user.username : '';

  async function handleSignOut() {
    if (!onSignOut) return;
    setSigningOut(true);
    try {
      await onSignOut();
    } finally {
      setSigningOut(false);
    }
  }

  return (
    <header className="topbar">
      <div className={wide ? 'topbar__inner topbar__inner--wide' : 'topbar__inner'}>
        <Link to="/" className="brand">
          <span className="brand__mark" aria-hidden="true">
            R
          </span>
          Rankwise
        </Link>
        {user && (
          <div className="topbar__account">
            <span className="topbar__user" title={`Signed in as ${user.username}`}>
              <span className="avatar" aria-hidden="true">
                {initials(name)}
              </span>
              <span className="visually-hidden">Signed in as </span>
              <span className="topbar__name">{name}</span>
            </span>
            <button
              type="button"
              className="button button--ghost"
              onClick={() => void handleSignOut()}
              disabled={signingOut}
            >
              Sign out
            </button>
          </div>
        )}
      </div>
    </header>
  );
}
