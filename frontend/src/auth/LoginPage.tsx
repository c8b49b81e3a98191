import type { LoginRequest } from '../api/client';
import { LoginForm } from './LoginForm';
import { TopBar } from '../shared/TopBar';
import { useAuth } from './AuthContext';
import { navigate, safeNextPath, useLocation } from '../router';
import { useDocumentTitle } from '../shared/useDocumentTitle';

/**
 * Sign-in page. Once signed in, the page asked for (`?next=`, a path of this site
 * only) takes the place of /login in the address bar and the history.
 */
export function LoginPage() {
  const { signIn } = useAuth();
  const location = useLocation();
  const next = safeNextPath(location.searchParams.get('next'));
  useDocumentTitle('Sign in');

  async function signInAndGo(credentials: LoginRequest) {
    await signIn(credentials);
    navigate(next, { replace: true });
  }

  return (
    <>
      <TopBar />
      <main id="main" className="login-page">
        <div className="login-card">
          <h1 className="login-card__title">Sign in to Rankwise</h1>
          <p className="login-card__subtitle">Rank model completions for your projects.</p>
          <LoginForm onSubmit={signInAndGo} />
        </div>
      </main>
    </>
  );
}
