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
      snapshot: vi.fn(async () => ({ ...view(), settings: { ...view().settings, appAnswersCommandLine: answers } })),
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

  it('turns background refreshing off and sets the deadline warning', async () => {
    let settings = view().settings;
    const api = fakeApi({
      snapshot: vi.fn(async () => ({ ...view(), settings })),
      setKeepFresh: vi.fn(async (keepFresh: boolean) => {
        settings = { ...settings, keepFresh };
      }),
      setDeadlineWarningHours: vi.fn(async (deadlineWarningHours: number) => {
        settings = { ...settings, deadlineWarningHours };
      }),
    });
    const deck = new DeckState(api);
    await deck.reload();
    render(SettingsPage, { deck });
    const box = screen.getByTestId('keep-fresh') as HTMLInputElement;
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    await vi.waitFor(() => expect(api.setKeepFresh).toHaveBeenCalledWith(false));
    await vi.waitFor(() => expect((screen.getByTestId('keep-fresh') as HTMLInputElement).checked).toBe(false));

    const hours = screen.getByTestId('deadline-warning-hours') as HTMLInputElement;
    expect(hours.value).toBe('24');
    await fireEvent.input(hours, { target: { value: '48' } });
    await fireEvent.change(hours);
    await vi.waitFor(() => expect(api.setDeadlineWarningHours).toHaveBeenCalledWith(48));
  });
});
