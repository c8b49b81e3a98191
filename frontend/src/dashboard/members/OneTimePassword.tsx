import { useState } from 'react';

interface OneTimePasswordProps {
  username: string;
  password: string;
}

/** A generated password, shown this once: Rankwise keeps only its hash. */
export function OneTimePassword({ username, password }: OneTimePasswordProps) {
  const [copied, setCopied] = useState(false);

  async function copy() {
    try {
      await navigator.clipboard.writeText(password);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, or denied): the password is on screen to select.
      setCopied(false);
    }
  }

  return (
    <div className="one-time-password" role="group" aria-label={`New password for ${username}`}>
      <p>
        Password for <strong>{username}</strong>: <code className="one-time-password__value">{password}</code>
      </p>
      <p className="muted">It is shown only this once: pass it on to {username} safely.</p>
      <button type="button" className="button button--small" onClick={() => void copy()}>
        {copied ? 'Copied' : 'Copy password'}
      </button>
    </div>
  );
}
