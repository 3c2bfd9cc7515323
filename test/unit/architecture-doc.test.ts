/**
 * docs/architecture.md names real files: every path it names, and every page it links, exists in the repository;
 * and its list of the rooms is the import drawing: no file imports from a room listed above its own.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

  it('no import runs back up: each room imports only from its own and the rooms listed below it', () => {
    const block = /## The rooms[\s\S]*?```\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    // Each line's leading src/ paths are one rank; the rooms of one line are peers.
    const ranks = block.split('\n').map((line) => [...line.matchAll(/(?:^|\s)(src\/[\w./-]+)(?=\s)/g)].map((m) => m[1]!)).filter((paths) => paths.length);
    const rooms = ranks.flatMap((paths, rank) => paths.map((path) => ({ path, rank })));
    const rankOf = (file: string) => rooms.filter((r) => (r.path.endsWith('/') ? file.startsWith(r.path) : file === r.path)).sort((a, b) => b.path.length - a.path.length)[0]?.rank;
    const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => `src/${f}`);
    assert.deepEqual(files.filter((f) => rankOf(f) === undefined), [], 'every file of src/ is in a room the list names');
    const upward: string[] = [];
    for (const file of files) {
      for (const [, spec] of readFileSync(join(ROOT, file), 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
        const target = relative(ROOT, resolve(ROOT, dirname(file), spec!)).replace(/\.js$/, '.ts');
        if (rankOf(target)! < rankOf(file)!) upward.push(`${file} → ${target}`);
      }
    }
    assert.deepEqual(upward, []);
  });
});
