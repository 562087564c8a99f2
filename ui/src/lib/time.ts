// Time formatting for claims and countdowns. Times are Unix seconds.

/** "in 59m 12s", "expired 3m 4s ago". */
export function countdown(expiresAt: number, now: number): string {
  const delta = Math.round(expiresAt - now);
  const text = duration(Math.abs(delta));
  return delta >= 0 ? `in ${text}` : `expired ${text} ago`;
}

export function duration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const days = Math.floor(s / 86400);
  const hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${minutes}m`;
  if (minutes > 0) return `${minutes}m ${seconds}s`;
  return `${seconds}s`;
}

/** Local date and time, to the second, with the time zone: "2026-11-22 06:40:05 UTC". */
export function timestamp(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${zoneName(d)}`;
}

/** The local time zone's short name at that date ("CET", "GMT+1", "UTC"). */
function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' })
    .formatToParts(d)
    .find((p) => p.type === 'timeZoneName');
  return part?.value ?? '';
}

/** Claims holding Unix times, shown human-readable in claim tables. */
export const TIME_CLAIMS = new Set(['exp', 'iat', 'nbf', 'auth_time', 'updated_at']);

export function nowSeconds(): number {
  return Date.now() / 1000;
}

/** A compact time left for tight spots (the sidebar): "45s", "52m", "3h", "2d". */
export function shortDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Whether a refresh token's deadline is inside the warning window (or already passed). */
export function deadlineNear(refreshExpiresAt: number | null | undefined, warningHours: number, now: number): boolean {
  if (refreshExpiresAt == null || warningHours <= 0) return false;
  return refreshExpiresAt - now <= warningHours * 3600;
}
