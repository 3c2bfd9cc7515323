/** What the server says about itself, the same in every protocol era. */
export const SERVER_INFO = { name: 'logto-whoami-mcp', version: '0.1.0' } as const;

export const INSTRUCTIONS = 'Call the whoami tool to see who you are signed in as (via Logto).';
