import { isIP } from 'node:net';

/** True for hosts that only this machine can reach: localhost, 127.0.0.0/8, ::1 (bracketed or not). */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || (isIP(h) === 4 && h.startsWith('127.'));
}
