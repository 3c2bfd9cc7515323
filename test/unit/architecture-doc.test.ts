/** docs/architecture.md names real files: every path it names, and every page it links, exists in the repository. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOC = 'docs/architecture.md';

describe(DOC, () => {
  const text = readFileSync(join(ROOT, DOC), 'utf8');

  it('every src/, test/, bench/, scripts/ and docs/ path it names exists', () => {
    const paths = [...new Set([...text.matchAll(/(?<![\w./-])((?:src|test|bench|scripts|docs)\/[\w./-]*[\w/])/g)].map((m) => m[1]!))];
    assert.ok(paths.length >= 30, `${paths.length} paths named`);
    assert.deepEqual(paths.filter((p) => !existsSync(join(ROOT, p))), []);
  });

  it('every page it links exists', () => {
    const links = [...text.matchAll(/\]\(([^)#:]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
    assert.ok(links.length >= 2);
    assert.deepEqual(links.filter((l) => !existsSync(join(ROOT, dirname(DOC), l))), []);
  });
});
