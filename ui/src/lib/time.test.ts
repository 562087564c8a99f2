import { describe, expect, it } from 'vitest';
import { countdown, duration, timestamp } from './time';

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
});
