/**
 * The CLI in-process (runCli, the code the `logto-whoami` binary runs) with its config under a
 * throw-away `configHome`, what it prints captured. A browser sign-in fails the run unless the
 * caller passes an `openBrowser` that plays the user.
 */
import type { OpenBrowser } from '../../src/cli/browser.js';
import { runCli, type CliDeps } from '../../src/cli/commands.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Fails the run if the CLI tries to sign in. */
export const noBrowserExpected: OpenBrowser = async () => {
  throw new Error('the CLI asked for a browser sign-in');
};

export async function runCliIn(configHome: string, argv: string[], deps: Omit<Partial<CliDeps>, 'env' | 'stdout' | 'stderr'> = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    env: { XDG_CONFIG_HOME: configHome, HOME: configHome },
    stdout: (t) => out.push(t),
    stderr: (t) => err.push(t),
    openBrowser: noBrowserExpected,
    ...deps,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}
