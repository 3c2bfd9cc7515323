/**
 * The lifecycle a test/logto describe block shares, registered as its before/after hooks: `before`
 * takes the suite's Logto ({@link useLogto}) and, with {@link logtoServerHooks}, starts our server
 * against it; `after` closes the server, then releases Logto — also when `before` failed halfway.
 * Call it in the describe body; read the fields in tests and later hooks (they are set once `before` ran).
 */
import { after, before } from 'node:test';
import { startServerForLogto, useLogto, type LogtoServer, type Suite } from './suite.js';

export interface LogtoFixture {
  readonly suite: Suite;
}

export interface LogtoServerFixture extends LogtoFixture {
  /** Our server against the suite's Logto, its API resource registered there. */
  readonly server: LogtoServer;
}

function notYet(name: string): never {
  throw new Error(`${name} is read before the describe block's before hook ran`);
}

/** The suite's Logto only (for files that start no server, or start their own). */
export function logtoHooks(): LogtoFixture {
  return register(undefined);
}

/** The suite's Logto and our server against it; `env` and `resourceOptions` go to {@link startServerForLogto}. */
export function logtoServerHooks(env: Record<string, string> = {}, resourceOptions: ResourceOptions = {}): LogtoServerFixture {
  return register({ env, resourceOptions });
}

type ResourceOptions = Parameters<typeof startServerForLogto>[2];

function register(ours: { env: Record<string, string>; resourceOptions: ResourceOptions } | undefined): LogtoServerFixture {
  let suite: Suite | undefined;
  let server: LogtoServer | undefined;
  before(async () => {
    suite = await useLogto();
    if (ours) server = await startServerForLogto(suite, ours.env, ours.resourceOptions);
  });
  after(async () => {
    await server?.close();
    await suite?.release();
  });
  return {
    get suite() {
      return suite ?? notYet('suite');
    },
    get server() {
      return server ?? notYet('server');
    },
  };
}
