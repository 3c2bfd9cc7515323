/**
 * `--doctor` / `--setup` in-process, through the same runTenantCommand the entry point runs, with
 * what they print captured.
 */
import type { Check } from '../../src/tenant/doctor/checklist.js';
import { runTenantCommand } from '../../src/tenant/command.js';

export interface TenantRun {
  code: number;
  out: string;
  err: string;
}

/** `--doctor --json`'s output. */
export interface DoctorJson {
  ok: boolean;
  checks: Check[];
}

export async function runTenant(argv: string[], env: Record<string, string>): Promise<TenantRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTenantCommand(argv, env, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join(''), err: err.join('') };
}

/** `--doctor --json …args`, its output parsed. */
export async function doctorJson(env: Record<string, string>, ...args: string[]): Promise<{ code: number; result: DoctorJson; err: string }> {
  const run = await runTenant(['--doctor', '--json', ...args], env);
  return { code: run.code, result: JSON.parse(run.out) as DoctorJson, err: run.err };
}
