/** Rendering the ranking workspace in tests, and finding things on it. */
import { render, screen, waitFor, within } from '@testing-library/react';
import { expect } from 'vitest';
import { App } from '../App';
import { AuthProvider } from '../auth/AuthContext';

export function renderWorkspace(path = '/projects/5/rank') {
  window.history.replaceState(null, '', path);
  return render(
    <AuthProvider>
      <App />
    </AuthProvider>,
  );
}

export async function promptOnScreen(text: string) {
  const prompt = await screen.findByRole('region', { name: 'Prompt' });
  await waitFor(() => {
    expect(within(screen.getByRole('region', { name: 'Prompt' })).getByText(text)).toBeInTheDocument();
  });
  return prompt;
}

/** A card of the item on screen (the prefetched one is hidden). */
export function card(letter: string): HTMLElement {
  return screen.getByRole('article', { name: new RegExp(`^Completion ${letter}\\b`) });
}
