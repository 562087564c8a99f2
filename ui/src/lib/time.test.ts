import { describe, expect, it } from 'vitest';
import { countdown, deadlineNear, duration, shortDuration, timestamp } from './time';

describe('time formatting', () => {
  it('formats durations at a sensible resolution', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(65)).toBe('1m 5s');
    expect(duration(3 * 3600 + 120)).toBe('3h 2m');
    expect(duration(2 * 86400 + 3600)).toBe('2d 1h');
    expect(duration(-4)).toBe('0s');
  });

  it('counts down and reports how long ago a token expired', () => {
    expect(countdown(1000, 940)).toBe('in 1m 0s');
    expect(countdown(1000, 1125)).toBe('expired 2m 5s ago');
  });

  it('shows local date and time to the second', () => {
    const t = new Date(2026, 10, 22, 6, 5, 9).getTime() / 1000;
    expect(timestamp(t)).toMatch(/^2026-11-22 06:05:09 \S+$/);
  });

  it('shortens time left for the sidebar', () => {
    expect([shortDuration(45), shortDuration(3119), shortDuration(3 * 3600 + 59), shortDuration(2 * 86400)]).toEqual([
      '45s',
      '51m',
      '3h',
      '2d',
    ]);
  });

  it('flags a refresh deadline inside the warning window', () => {
    expect(deadlineNear(1000 + 23 * 3600, 24, 1000)).toBe(true);
    expect(deadlineNear(1000 + 25 * 3600, 24, 1000)).toBe(false);
    expect(deadlineNear(500, 24, 1000)).toBe(true);
    expect(deadlineNear(1000 + 3600, 0, 1000)).toBe(false);
    expect(deadlineNear(undefined, 24, 1000)).toBe(false);
  });
});
