import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeDashboardBackend } from '../../test/dashboardBackend';
import { elapse, LOAD, renderAt } from '../../test/renderApp';

describe('The dataset version form’s split preview', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows the counts per split before building, and warns of an empty validation split', async () => {
    const backend = new FakeDashboardBackend();
    renderAt('/projects/5/datasets');
    const user = userEvent.setup({ advanceTimers: vi.advanceTimersByTime });

    expect(await screen.findByText(/This version would hold/, {}, LOAD)).toHaveTextContent(
      'This version would hold train 32 prompts (96 pairs) · validation 4 prompts (12 pairs) · test 4 prompts (12 pairs).',
    );
    expect(screen.queryByText(/No validation prompts/)).not.toBeInTheDocument();

    await user.clear(screen.getByLabelText('Train'));
    await user.type(screen.getByLabelText('Train'), '0.9');
    await user.clear(screen.getByLabelText('Validation'));
    await user.type(screen.getByLabelText('Validation'), '0');
    await elapse(500);

    expect(await screen.findByText(/No validation prompts/)).toHaveTextContent(
      'a training run needs them to pick its best weights, so it would be refused',
    );
    const asked = backend.calls('POST', 'datasets/preview/').at(-1)?.body;
    expect(asked).toMatchObject({ split: { train: 0.9, validation: 0, test: 0.1 } });
    // Typing is counted once it settles, not on every keystroke; nothing is created.
    expect(backend.calls('POST', 'datasets/preview/').length).toBeLessThan(5);
    expect(backend.calls('POST', 'datasets/')).toHaveLength(0);
  });
});
