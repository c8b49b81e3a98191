import { Component, type ReactNode } from 'react';

interface PageErrorBoundaryState {
  failed: boolean;
}

/**
 * A way out when a lazily loaded page cannot be shown: its code did not arrive
 * (offline, or a new release replaced the file) or it broke while rendering.
 * Without it React would leave a blank window.
 */
export class PageErrorBoundary extends Component<{ children: ReactNode }, PageErrorBoundaryState> {
  override state: PageErrorBoundaryState = { failed: false };

  static getDerivedStateFromError(): PageErrorBoundaryState {
    return { failed: true };
  }

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <main id="main" className="page">
        <div className="state state--error" role="alert">
          <p className="state__title">Couldn’t show this page.</p>
          <p className="state__detail">Check your connection, then reload the page.</p>
          <button
            type="button"
            className="button"
            onClick={() => {
              window.location.reload();
            }}
          >
            Reload
          </button>
        </div>
      </main>
    );
  }
}
