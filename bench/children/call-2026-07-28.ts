/**
 * The bench's 2026-07-28 whoami call, for the `2026-07-28-*` rows (bench/run.ts) and the SDK floor
 * (sdk-floor.ts): the `_meta` envelope in the body, and the headers that must agree with it.
 */
const VERSION = '2026-07-28';

export const whoamiCall2026_07_28 = (id: number) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: {
    name: 'whoami',
    arguments: {},
    _meta: {
      'io.modelcontextprotocol/protocolVersion': VERSION,
      'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': {},
    },
  },
});

export const WHOAMI_HEADERS_2026_07_28 = { 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'whoami' } as const;
