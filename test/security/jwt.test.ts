import assert from 'node:assert/strict';
import { createPublicKey, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startFakeIdp, type FakeIdp } from '../../bench/support/fake-idp.js';
import { request2026_07_28, post2026_07_28 } from '../support/requests-2026-07-28.js';
import { bearer, gate, parseChallenge, startAgainst, type TestServer } from '../support/security.js';

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

const REJECTED = { status: 401, error: 'invalid_token' };

describe('JWT access tokens (RFC 9068, RFC 8725, RFC 8707, MCP authorization spec)', () => {
  let idp: FakeIdp;
  let attacker: FakeIdp;
  let server: TestServer;
  let aud: string;
  const sub = 'user-jwt';

  before(async () => {
    idp = await startFakeIdp();
    attacker = await startFakeIdp();
    server = await startAgainst(idp, { MAX_SESSIONS_PER_SUBJECT: '1000' });
    aud = server.resources.mcp;
  });
  after(async () => {
    await server.close();
    await idp.close();
    await attacker.close();
  });

  it('RFC 9068 §4: a well-formed access token for this resource is accepted (baseline)', async () => {
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud)), { status: 200 });
  });

  it('RFC 8707 §2 / RFC 9068 §4 / MCP auth "token audience binding": wrong, absent or foreign-array aud → 401 invalid_token', async () => {
    assert.deepEqual(await gate(server, await idp.accessToken(sub, 'https://other-api.example.com')), REJECTED);
    assert.deepEqual(await gate(server, await idp.accessToken(sub, `${aud}/mcp/../evil`)), REJECTED);
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { aud: undefined })), REJECTED);
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { aud: ['https://a.example', 'https://b.example'] })), REJECTED);
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { aud: [] })), REJECTED);
    // An array that contains this resource is fine (RFC 7519 §4.1.3).
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { aud: ['https://a.example', aud] })), { status: 200 });
  });

  it("per-endpoint resources: a JWT for either endpoint's resource passes (aud names any of this server's resources)", async () => {
    assert.deepEqual(server.resources, { mcp: `${server.url}/mcp`, sse: `${server.url}/sse` });
    assert.deepEqual(await gate(server, await idp.accessToken(sub, server.resources.sse)), { status: 200 });
    // The bare origin was the identifier before per-endpoint resources; it is no resource of this server now.
    assert.deepEqual(await gate(server, await idp.accessToken(sub, `${server.url}/`)), REJECTED);
    assert.deepEqual(await gate(server, await idp.accessToken(sub, `${server.url}/messages`)), REJECTED);
  });

  it('a JWT for another API resource is refused on the 2026-07-28 path, and not accepted on the 2025 path afterwards (validation cache)', async () => {
    const whoami = () => request2026_07_28('tools/call', { name: 'whoami', arguments: {} });
    // Control: the same request with a token for this server reaches the 2026-07-28 era and answers.
    const ours = await post2026_07_28(server.mcpUrl, whoami(), bearer(await idp.accessToken(sub, aud)));
    assert.equal(ours.status, 200, ours.text);
    assert.equal(ours.json?.['result']?.structuredContent?.sub, sub);

    const foreign = await idp.accessToken(`${sub}-foreign`, 'https://other-api.example.com');
    for (const request of [whoami(), request2026_07_28('server/discover')]) {
      const answer2026_07_28 = await post2026_07_28(server.mcpUrl, request, bearer(foreign));
      assert.equal(answer2026_07_28.status, 401, `2026-07-28 ${request.method}: ${answer2026_07_28.text}`);
      const { params } = parseChallenge(answer2026_07_28.headers.get('www-authenticate'));
      assert.equal(params['error'], 'invalid_token');
      assert.match(params['error_description'] ?? '', /\(aud\)/);
      assert.ok(!answer2026_07_28.text.includes(`${sub}-foreign`), 'no trace of the subject');
    }
    // Afterwards, the 2025 path (initialize on /mcp, and the SSE transport) refuses it too.
    assert.deepEqual(await gate(server, foreign), REJECTED);
    const sse = await fetch(server.sseUrl, { headers: { ...bearer(foreign), accept: 'text/event-stream' } });
    await sse.body?.cancel();
    assert.equal(sse.status, 401, 'GET /sse');
  });

  it('RFC 9068 §4 / RFC 8414 §3.3: iss must equal the discovered issuer exactly → else 401', async () => {
    for (const iss of [`${idp.issuer}/`, idp.url, idp.issuer.toUpperCase(), attacker.issuer, undefined]) {
      assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { iss })), REJECTED, `iss ${iss}`);
    }
  });

  it('RFC 8725 §3.1 / RFC 7519 §6: alg "none" in any casing is refused → 401', async () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      const body = b64({ iss: idp.issuer, sub, aud, exp: now() + 600 });
      for (const sig of ['', 'AAAA']) {
        assert.deepEqual(await gate(server, `${b64({ alg, typ: 'at+jwt' })}.${body}.${sig}`), REJECTED, `alg ${alg} sig '${sig}'`);
      }
    }
  });

  it('RFC 8725 §2.1, §3.1: algorithm confusion — HS256/HS384 keyed with the public key → 401, although the IdP advertises HS256', async () => {
    const key = idp.keys[0]!;
    const pem = createPublicKey({ key: key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' }) as string;
    for (const secret of [JSON.stringify(key.publicJwk), pem, key.publicJwk.x!]) {
      for (const alg of ['HS256', 'HS384']) {
        const token = await new SignJWT({ iss: idp.issuer, sub, aud, exp: now() + 600 })
          .setProtectedHeader({ alg, kid: key.kid, typ: 'at+jwt' })
          .sign(new TextEncoder().encode(secret));
        assert.deepEqual(await gate(server, token), REJECTED, alg);
      }
    }
  });

  it('RFC 8725 §3.10 / RFC 7515 §4.1.2-4.1.5: header-supplied keys (jwk, jku, x5u, x5c) are ignored and never fetched → 401', async () => {
    const evil = await attacker.unpublishedKey();
    const claims = { iss: idp.issuer, sub, aud, exp: now() + 600 };
    const attackerJwks = `${attacker.issuer}/jwks`;
    const before = attacker.calls.jwks;
    for (const header of [
      { jwk: evil.publicJwk },
      { jku: attackerJwks },
      { x5u: attackerJwks },
      { jku: attackerJwks, jwk: evil.publicJwk, kid: evil.kid },
      { x5c: ['MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA'] },
    ]) {
      assert.deepEqual(await gate(server, await idp.sign(claims, { key: evil, header })), REJECTED, JSON.stringify(Object.keys(header)));
    }
    assert.equal(attacker.calls.jwks, before, 'the server never fetched a header-supplied URL');
  });

  it('RFC 7515 §5.2: a real kid with a signature from another key, or a truncated/altered signature → 401', async () => {
    const evil = await idp.unpublishedKey();
    const real = idp.keys[0]!;
    assert.deepEqual(await gate(server, await idp.sign({ iss: idp.issuer, sub, aud, exp: now() + 600 }, { key: { ...evil, kid: real.kid } })), REJECTED);
    const good = await idp.accessToken(sub, aud);
    const [h, p, s] = good.split('.') as [string, string, string];
    for (const sig of [s.slice(0, -4), s.slice(0, s.length / 2), `${s.slice(0, -1)}${s.endsWith('A') ? 'B' : 'A'}`]) {
      assert.deepEqual(await gate(server, `${h}.${p}.${sig}`), REJECTED);
    }
    // The payload swapped under a valid signature.
    const forged = b64({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), sub: 'admin' });
    assert.deepEqual(await gate(server, `${h}.${forged}.${s}`), REJECTED);
  });

  it('RFC 9068 §4 / RFC 7519 §4.1.4-4.1.6: exp, nbf, iat around the 5 s clock tolerance', async () => {
    const t = now();
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { exp: t - 2 })), { status: 200 }, 'exp 2 s ago is within tolerance');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { exp: t - 30 })), REJECTED, 'exp 30 s ago');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { exp: undefined })), REJECTED, 'no exp');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { exp: String(t + 600) as never })), REJECTED, 'string exp');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { nbf: t + 2 })), { status: 200 }, 'nbf 2 s ahead is within tolerance');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { nbf: t + 120 })), REJECTED, 'nbf 2 min ahead');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { iat: t + 2 })), { status: 200 }, 'iat 2 s ahead');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { iat: t + 3600 })), REJECTED, 'iat an hour in the future');
    assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { iat: 'yesterday' as never })), REJECTED, 'string iat');
  });

  it('RFC 9068 §2.1, §4 / OIDC Core §2: an ID token presented as an access token → 401', async () => {
    const t = now();
    const idToken = { iss: idp.issuer, sub, aud: 'test-client', exp: t + 600, iat: t, nonce: 'n', at_hash: 'x' };
    assert.deepEqual(await gate(server, await idp.sign(idToken, { header: { typ: 'JWT' } })), REJECTED, 'aud is the client');
    // Even with this resource as audience, typ JWT is not an access token.
    assert.deepEqual(await gate(server, await idp.sign({ ...idToken, aud }, { header: { typ: 'JWT' } })), REJECTED, 'typ JWT');
    assert.deepEqual(await gate(server, await idp.sign({ ...idToken, aud }, { header: { typ: 'id_token+jwt' } })), REJECTED);
    // No typ at all is tolerated (older IdPs), as long as everything else checks out.
    assert.deepEqual(await gate(server, await idp.sign({ iss: idp.issuer, sub, aud, exp: t + 600 }, { header: { typ: undefined } })), { status: 200 });
  });

  it('RFC 9068 §4 / OWASP API2: missing, empty or non-string sub → 401', async () => {
    for (const s of [undefined, '', 42, { id: 1 }]) {
      assert.deepEqual(await gate(server, await idp.accessToken(sub, aud, { sub: s as never })), REJECTED, `sub ${JSON.stringify(s)}`);
    }
  });

  it('RFC 7519 §7.2 / OWASP API8: malformed JWTs (non-object payloads, bad JSON, wrong segment counts) → 401, never 500', async () => {
    const key = idp.keys[0]!;
    const header = b64({ alg: 'ES384', kid: key.kid, typ: 'at+jwt' });
    const cases = [
      `${header}.${b64('"a string"')}.AAAA`,
      `${header}.${b64('[1,2,3]')}.AAAA`,
      `${header}.${b64('42')}.AAAA`,
      `${header}.${b64('null')}.AAAA`,
      `${header}.${b64('{"sub":')}.AAAA`,
      `${b64('{"alg":')}.${b64({ sub })}.AAAA`,
      `${b64('[]')}.${b64({ sub })}.AAAA`,
      `${header}.${b64({ sub })}`,
      `${header}.${b64({ sub })}.AAAA.AAAA`,
      `${header}.${b64({ sub })}.AAAA.AAAA.AAAA`,
      `${header}..AAAA`,
      `.${b64({ sub })}.AAAA`,
      `${b64({ alg: 'ES384', kid: key.kid, crit: ['exp'] })}.${b64({ sub })}.AAAA`,
      `${b64({ alg: 'ES384', kid: key.kid, b64: false, crit: ['b64'] })}.${b64({ sub })}.AAAA`,
      `${b64({ alg: 'RS256', kid: key.kid })}.${b64({ iss: idp.issuer, sub, aud, exp: now() + 60 })}.AAAA`,
      `${b64({ alg: 'ES384', kid: { $ne: 1 } })}.${b64({ sub })}.AAAA`,
    ];
    for (const token of cases) {
      const result = await gate(server, token);
      assert.deepEqual(result, REJECTED, token.slice(0, 60));
    }
    // Signed with the real key, payload a JSON array.
    const signedArray = await (async () => {
      const { privateKey } = await generateKeyPair('ES384');
      void privateKey;
      return `${header}.${b64('[1]')}.${(await idp.accessToken(sub, aud)).split('.')[2]}`;
    })();
    assert.deepEqual(await gate(server, signedArray), REJECTED);
  });

  it('RFC 8725 §3.1 / jose cooldown: a flood of unknown kids triggers no JWKS refetch inside the cooldown', async () => {
    await gate(server, await idp.accessToken(sub, aud)); // JWKS loaded and fresh
    const before = idp.calls.jwks;
    const tokens = await Promise.all(
      Array.from({ length: 60 }, async () => {
        const k = await idp.unpublishedKey();
        return idp.sign({ iss: idp.issuer, sub, aud, exp: now() + 600 }, { key: k, header: { kid: randomUUID() } });
      }),
    );
    const results = await Promise.all(tokens.map((t) => gate(server, t)));
    for (const r of results) assert.deepEqual(r, REJECTED);
    assert.equal(idp.calls.jwks, before, 'no JWKS refetch while cooling down');
  });

  it('RFC 7517 §4.5 / RFC 8414 jwks_uri: key rotation is picked up once the cooldown has passed (one refetch for many new-kid tokens)', async () => {
    const oldToken = await idp.accessToken('rotation-old', aud);
    await idp.rotate(false);
    const fresh = await Promise.all(Array.from({ length: 20 }, (_, i) => idp.accessToken(`rotated-${i}`, aud)));
    const realNow = Date.now;
    Date.now = () => realNow() + 31_000; // jose's cooldown (30 s) has passed; token times stay real
    try {
      const before = idp.calls.jwks;
      const results = await Promise.all(fresh.map((t) => gate(server, t)));
      for (const r of results) assert.deepEqual(r, { status: 200 });
      assert.equal(idp.calls.jwks, before + 1, 'exactly one refetch for the new kid');
      assert.deepEqual(await gate(server, oldToken), REJECTED, 'a token signed with the retired key, never seen before, is refused');
    } finally {
      Date.now = realNow;
    }
  });
});

describe('TOKEN_VALIDATION=jwt (RFC 9068 strict mode)', () => {
  let idp: FakeIdp;
  let server: TestServer;
  before(async () => {
    idp = await startFakeIdp();
    server = await startAgainst(idp, { TOKEN_VALIDATION: 'jwt' });
  });
  after(async () => {
    await server.close();
    await idp.close();
  });

  it('RFC 9068 §4: an opaque (non-JWT) token is refused → 401 without any userinfo call', async () => {
    const token = idp.opaqueToken({ sub: 'opaque-user' });
    for (const t of [token, 'a.b', 'a.b.c.d', `${b64({ typ: 'x' })}.${b64({})}.AAAA`]) {
      assert.deepEqual(await gate(server, t), REJECTED);
    }
    assert.equal(idp.calls.userinfo, 0);
  });

  it('RFC 9068 §4: a valid JWT still passes in strict mode', async () => {
    assert.deepEqual(await gate(server, await idp.accessToken('strict', server.resources.mcp)), { status: 200 });
  });

  it('RFC 8725 §3.1: jose refuses tokens signed by a key of the right type but unpublished (exported JWK in header)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES384', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const token = await new SignJWT({ iss: idp.issuer, sub: 'x', aud: server.resources.mcp, exp: now() + 60 })
      .setProtectedHeader({ alg: 'ES384', jwk, typ: 'at+jwt' })
      .sign(privateKey);
    assert.deepEqual(await gate(server, token), REJECTED);
  });
});
