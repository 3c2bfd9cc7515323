/**
 * Runs the AI SDK's MCP client (test/interop/children/ai-sdk-client.mjs) on Node 22 against one
 * endpoint: when it asks the user to open an authorization URL, `authorize(url)` plays the user at
 * the browser and returns the redirect it reached, which goes back to the client (as its callback
 * route would receive it); the client finishes the sign-in with the SDK's `auth()`, lists the tools
 * and calls whoami. Resolves with what it saw, or throws with the SDK's error and its HTTP exchanges.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { interopTools, ROOT } from './tools.js';

const CLIENT = join(ROOT, 'test/interop/children/ai-sdk-client.mjs');
/** `@ai-sdk/mcp` as installed by scripts/interop-tools.sh. */
const AI_SDK_MODULE = join(ROOT, '.cache/interop-tools/node_modules/@ai-sdk/mcp/dist/index.js');

export interface AiSdkRun {
  url: string;
  transport: 'http' | 'sse';
  /** The application's OAuth callback (nothing listens: the test's sign-in stops there). */
  redirectUrl: string;
  /** A pre-registered client; without one the SDK registers itself dynamically. */
  clientId?: string;
  authorize(authorizationUrl: URL): Promise<URL>;
}

/** One HTTP request of the client: never a token or a body, only what shows the era and the resource. */
export interface AiSdkExchange {
  method: string;
  url: string;
  status: number;
  protocolVersion?: string;
  rpc?: string;
  grantType?: string | null;
  resource?: string | null;
}

export interface AiSdkResult {
  /** The protocol version the client ended up with (initialize's, or 2026-07-28 after server/discover). */
  protocolVersion: string;
  tools: string[];
  whoami: { content: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown>; isError?: boolean };
  clientId: string;
  dynamicallyRegistered: boolean;
  authorizationUrls: string[];
  exchanges: AiSdkExchange[];
}

export async function runAiSdkClient(run: AiSdkRun): Promise<AiSdkResult> {
  const { node22 } = interopTools();
  const child = spawn(node22, [CLIENT], {
    env: {
      PATH: dirname(node22),
      AI_SDK_CLIENT: JSON.stringify({ module: AI_SDK_MODULE, url: run.url, transport: run.transport, redirectUrl: run.redirectUrl, clientId: run.clientId }),
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as { type: string; url?: string } & Record<string, unknown>;
      if (message.type === 'authorize') {
        const authorizationUrl = new URL(message.url!);
        const callbackUrl = await run.authorize(authorizationUrl).catch((error: unknown) => {
          const sent = authorizationUrl.searchParams.get('resource');
          throw new Error(`sign-in failed (the SDK sent resource=${sent}): ${error instanceof Error ? error.message : String(error)}`);
        });
        child.stdin.write(`${JSON.stringify({ callbackUrl: callbackUrl.href })}\n`);
      } else if (message.type === 'result') {
        return message as unknown as AiSdkResult;
      } else if (message.type === 'error') {
        throw new Error(`the AI SDK client failed: ${message['name']}: ${message['message']}${message['cause'] ? ` (cause: ${message['cause']})` : ''}\n${JSON.stringify(message['exchanges'], null, 1)}`);
      }
    }
    throw new Error(`the AI SDK client exited without a result\n--- stderr ---\n${stderr.slice(-4000)}`);
  } finally {
    clearTimeout(timer);
    child.kill('SIGKILL');
  }
}
