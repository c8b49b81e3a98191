import { Link } from '../router';
import { useDocumentTitle } from './useDocumentTitle';

export function NotFoundPage() {
  useDocumentTitle('Page not found');
  return (
    <main id="main" className="page">
      <div className="state">
        <h1 className="page__title">Page not found</h1>
        <p className="state__detail">There is nothing at this address.</p>
        <Link className="button" to="/">
          Back to my projects
        </Link>
      </div>
    </main>
  );
}
