// What an import of providers did, as one sentence and its details (a toast shows both).
import type { ImportReport } from './bindings/ImportReport';

export function importSummary(report: ImportReport): { text: string; detail?: string } {
  const added = report.added.map((p) => p.name).join(', ');
  const secrets = report.added.filter((p) => p.needsClientSecret).map((p) => p.name);
  const here = report.skipped.length ? ` (${report.skipped.map((p) => p.name).join(', ')} already here)` : '';
  const details = [
    secrets.length ? `Enter the client secret of ${secrets.join(', ')} in the provider settings before signing in.` : '',
    ...report.notes.map((note) => `Not used: ${note}`),
  ].filter(Boolean);
  return {
    text: added ? `Added ${added}${here}.` : `No new providers${here}.`,
    detail: details.length ? details.join('\n') : undefined,
  };
}
