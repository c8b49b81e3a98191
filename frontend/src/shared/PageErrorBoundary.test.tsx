import { render, screen } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { PageErrorBoundary } from './PageErrorBoundary';

function Broken(): never {
  throw new Error('Failed to fetch dynamically imported module');
}

describe('PageErrorBoundary', () => {
  it('offers a reload instead of a blank window when a page cannot be shown', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);

    render(
      <PageErrorBoundary>
        <Broken />
      </PageErrorBoundary>,
    );

    expect(screen.getByRole('alert')).toHaveTextContent('Couldn’t show this page.');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeInTheDocument();
  });
});
