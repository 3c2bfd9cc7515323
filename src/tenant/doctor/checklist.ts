/**
 * One line of the doctor's checklist. `fail` makes the exit code 1; `warn` is worth knowing but
 * does not stop a deployment; `skip` says what was not checked and how to have it checked.
 */
export interface Check {
  /** Stable id (`issuer.discovery`, `tenant.api_resource`, …) for scripts and tests. */
  id: string;
  status: 'ok' | 'fail' | 'warn' | 'skip';
  /** What was found, one line. */
  summary: string;
  /** More lines of evidence (near misses, missing URIs). */
  details?: string[];
  /** For fail/warn: what to do, in the Logto console's words. */
  fix?: string;
}

const MARK: Record<Check['status'], string> = { ok: '[ok]  ', fail: '[FAIL]', warn: '[warn]', skip: '[skip]' };

/** The checklist as text, one check per line, details and fix indented under it. */
export function renderChecklist(title: string, checks: readonly Check[]): string {
  const lines = [title, ''];
  for (const check of checks) {
    lines.push(`${MARK[check.status]} ${check.summary}`);
    for (const detail of check.details ?? []) lines.push(`         ${detail}`);
    if (check.fix) lines.push(`         fix: ${check.fix}`);
  }
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  lines.push('', failed === 0 ? `All checks passed${warned ? ` (${warned} warning${warned > 1 ? 's' : ''})` : ''}.` : `${failed} check${failed > 1 ? 's' : ''} failed.`);
  return `${lines.join('\n')}\n`;
}

/** 0 when nothing failed, 1 otherwise. */
export function exitCodeOf(checks: readonly Check[]): 0 | 1 {
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}
