import { Link } from '../../router';

interface PagerProps {
  page: number;
  hasPrevious: boolean;
  hasNext: boolean;
  hrefFor: (page: number) => string;
  label: string;
}

/** Previous / next links between pages of a list. Nothing when there is one page. */
export function Pager({ page, hasPrevious, hasNext, hrefFor, label }: PagerProps) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pagination" aria-label={label}>
      {hasPrevious ? (
        <Link className="button button--small" to={hrefFor(page - 1)} rel="prev">
          Previous
        </Link>
      ) : (
        <span />
      )}
      <span className="pagination__page">Page {page}</span>
      {hasNext ? (
        <Link className="button button--small" to={hrefFor(page + 1)} rel="next">
          Next
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** `base` with `?page=n` (left out for the first page). */
export function pageHref(base: string, page: number): string {
  return page > 1 ? `${base}?page=${page}` : base;
}
