/**
 * The dev IdP in its own process, like Logto in production: the server under test then never loads
 * oidc-provider, whose AsyncLocalStorage turns on promise hooks for the whole process (a cost every
 * request would pay in the bench but never in production). BENCH_RESOURCES: the API resources (space-separated), one per server under test.
 */
import type * as DevIdpModule from '../../src/dev-idp/index.js';
import { distUrl, serveStats } from './ipc.js';

const { startDevIdp } = (await import(distUrl('dev-idp/index.js'))) as typeof DevIdpModule;

const resources = (process.env['BENCH_RESOURCES'] ?? '').split(' ').filter(Boolean);
if (resources.length === 0) throw new Error('BENCH_RESOURCES is required');
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const idp = await startDevIdp({ port: 0, resources: Object.fromEntries(resources.map((r) => [r, ['whoami:read']])), logger: silent });
serveStats({}, () => idp.close());
process.send?.({ type: 'ready', issuer: idp.issuer, origin: idp.origin });
