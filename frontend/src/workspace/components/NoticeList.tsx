import type { Notice } from '../session';

interface NoticeListProps {
  notices: readonly Notice[];
  onDismiss: (id: number) => void;
}

/** Messages about earlier items (a lost lease, a refused ranking) that stay until dismissed. */
export function NoticeList({ notices, onDismiss }: NoticeListProps) {
  if (notices.length === 0) return null;
  return (
    <ul className="notices">
      {notices.map((notice) => (
        <li key={notice.id} className={`notice notice--${notice.tone}`} role="alert">
          <p>{notice.message}</p>
          <button
            type="button"
            className="button button--ghost button--small"
            onClick={() => {
              onDismiss(notice.id);
            }}
          >
            Dismiss
          </button>
        </li>
      ))}
    </ul>
  );
}
