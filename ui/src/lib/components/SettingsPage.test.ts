import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeckState } from '../deck.svelte';
import { fakeApi, view } from '../testing';
import SettingsPage from './SettingsPage.svelte';

describe('SettingsPage', () => {
  afterEach(cleanup);

  it('turns the app agent off and shows what the Rust side saved', async () => {
    let answers = true;
    const api = fakeApi({
      snapshot: vi.fn(async () => ({ ...view(), settings: { clipboardClearSeconds: 30, appAnswersCommandLine: answers } })),
      setAppAnswersCommandLine: vi.fn(async (enabled: boolean) => {
        answers = enabled;
      }),
    });
    const deck = new DeckState(api);
    await deck.reload();
    render(SettingsPage, { deck });
    const box = screen.getByTestId('app-answers-command-line') as HTMLInputElement;
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    await vi.waitFor(() => expect(api.setAppAnswersCommandLine).toHaveBeenCalledWith(false));
    await vi.waitFor(() => expect((screen.getByTestId('app-answers-command-line') as HTMLInputElement).checked).toBe(false));
  });
});
