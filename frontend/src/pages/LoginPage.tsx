import { LoginForm } from '../components/LoginForm';
import { TopBar } from '../components/TopBar';
import { useAuth } from '../auth/AuthContext';
import { useDocumentTitle } from '../useDocumentTitle';

/**
 * Sign-in page. After a successful sign-in the auth state changes and the
 * app redirects to `?next=` (see App).
 */
export function LoginPage() {
  const { signIn } = useAuth();
  useDocumentTitle('Sign in');

  return (
    <>
      <TopBar />
      <main id="main" className="login-page">
        <div className="login-card">
          <h1 className="login-card__title">Sign in to Rankwise</h1>
          <p className="login-card__subtitle">Rank model completions for your projects.</p>
          <LoginForm onSubmit={signIn} />
        </div>
      </main>
    </>
  );
}
