import type { Observer } from '../observe/observer.js';
import type { WhoamiDeps } from './tools/whoami.js';

/** What the tools need from the running server (the same for every session and every era). */
export type McpDeps = WhoamiDeps & {
  /** Told of every tool call (metrics, audit line). */
  observer?: Observer | undefined;
};
