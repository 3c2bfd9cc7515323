/**
 * The interop test retries an Inspector web scenario only when the storage trace shows Inspector
 * 2.12's own race (docs/interop.md, "Inspector 2.12 loses its OAuth resume state"). These traces are
 * trimmed from recorded runs: the detector must name that race and nothing else.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lostResumeState, type CallbackStorage } from '../interop/helpers/inspector-oauth-trace.js';

const PKCE = 'mcp-inspector:pkce-flow:03b246de0aeae07602e1124b48fcaf88e718c8c1f11fa6f93c7d104fda04a980';
const onlyPkce: CallbackStorage = { resume: false, pendingServerId: false, pkce: true };
const both: CallbackStorage = { resume: true, pendingServerId: false, pkce: true };

const trace = (...lines: string[]): string => `${lines.map((l, i) => `11:37:${String(10 + i).padStart(2, '0')}.000 ${l}`).join('\n')}\n`;

/** A failing run: the resume state is written, the page leaves, and the unloading page removes it. */
const removedWhileLeaving = trace(
  'page / finds: (no mcp-inspector keys)',
  `set ${PKCE} = {"serverUrl":"http://localhost:45725/sse","codeVerifier":"…"} at /`,
  'set mcp-inspector:oauth-resume = {"version":1,"serverId":"logto-whoami"} at /',
  'pagehide /',
  'remove mcp-inspector:oauth-resume at / stack=at YX (index-qtX15-Bz.js:284:109962) < at index-qtX15-Bz.js:284:114241',
  `page /oauth/callback finds: ${PKCE}`,
);

/** The same race, lost earlier: the page is gone before it stores the resume state. */
const neverStored = trace(
  'page / finds: (no mcp-inspector keys)',
  `set ${PKCE} = {"serverUrl":"http://localhost:45725/sse","codeVerifier":"…"} at /`,
  'pagehide /',
  `page /oauth/callback finds: ${PKCE}`,
);

/** A passing run: the callback finds both and consumes them. */
const passing = trace(
  'page / finds: (no mcp-inspector keys)',
  `set ${PKCE} = {"serverUrl":"http://localhost:42853/sse","codeVerifier":"…"} at /`,
  'set mcp-inspector:oauth-resume = {"version":1,"serverId":"logto-whoami"} at /',
  'pagehide /',
  `page /oauth/callback finds: ${PKCE}, mcp-inspector:oauth-resume`,
  'remove mcp-inspector:oauth-resume at /oauth/callback stack=at XX < at qX',
);

describe("lostResumeState: Inspector 2.12's lost OAuth resume state, recognised from the trace", () => {
  it('names the race when the leaving page removed the resume state', () => {
    assert.equal(lostResumeState(removedWhileLeaving, onlyPkce), true);
  });

  it('names the race when the page left before storing it', () => {
    assert.equal(lostResumeState(neverStored, onlyPkce), true);
  });

  it('does not fire on a passing run', () => {
    assert.equal(lostResumeState(passing, both), false);
  });

  it('does not fire when the callback found the resume state, whatever the trace says', () => {
    assert.equal(lostResumeState(removedWhileLeaving, both), false);
  });

  it('does not fire when the resume state went missing some other way (removed by the page itself, before leaving)', () => {
    const removedBeforeLeaving = trace(
      'page / finds: (no mcp-inspector keys)',
      `set ${PKCE} = {} at /`,
      'set mcp-inspector:oauth-resume = {} at /',
      'remove mcp-inspector:oauth-resume at / stack=at YX',
      'pagehide /',
      `page /oauth/callback finds: ${PKCE}`,
    );
    assert.equal(lostResumeState(removedBeforeLeaving, onlyPkce), false);
  });

  it('does not fire without a callback page, a PKCE verifier, or a trace', () => {
    assert.equal(lostResumeState(removedWhileLeaving, undefined), false);
    assert.equal(lostResumeState(removedWhileLeaving, { resume: false, pendingServerId: false, pkce: false }), false);
    assert.equal(lostResumeState('', onlyPkce), false);
  });
});
