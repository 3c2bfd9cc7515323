/**
 * Summarises a V8 `.cpuprofile` (from `BENCH_PROF=1 npm run bench`): self time by function and by
 * package, and inclusive time of the functions that matter. Usage: tsx bench/profile-summary.ts FILE [N]
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const [file, top = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary FILE [N]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const hits = new Map<number, number>();
for (const s of profile.samples) hits.set(s, (hits.get(s) ?? 0) + 1);
// Percentages are of busy samples: idle time says nothing about where the work goes.
const idle = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const total = profile.samples.filter((s) => !idle.has(s)).length;
for (const id of idle) hits.delete(id);

const where = (n: Node) => {
  const url = n.callFrame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  return pkg ?? (url.includes('/dist/') ? `dist/${url.split('/dist/')[1]}` : url.startsWith('node:') ? 'node' : url === '' ? '(vm)' : url.split('/').slice(-2).join('/'));
};
const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${where(n)}:${n.callFrame.lineNumber + 1}`;

const self = new Map<string, number>();
const pkgSelf = new Map<string, number>();
const inclusive = new Map<string, number>();
for (const [id, count] of hits) {
  const n = byId.get(id)!;
  self.set(label(n), (self.get(label(n)) ?? 0) + count);
  pkgSelf.set(where(n), (pkgSelf.get(where(n)) ?? 0) + count);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(byId.get(cur)!);
    if (!seen.has(l)) inclusive.set(l, (inclusive.get(l) ?? 0) + count);
    seen.add(l);
  }
}
const pct = (x: number) => `${((100 * x) / total).toFixed(1).padStart(5)}%`;
const print = (title: string, m: Map<string, number>, n: number) => {
  console.log(`\n## ${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`${pct(v)}  ${k}`);
};
console.log(`${total} busy samples of ${profile.samples.length}`);
print('self by package', pkgSelf, 15);
print('self by function', self, Number(top));
print('inclusive by function', inclusive, Number(top) * 2);

// Optional: FILE N NAME → the heaviest call paths into functions called NAME.
const focus = process.argv[4];
if (focus) {
  const paths = new Map<string, number>();
  for (const [id, count] of hits) {
    const chain: string[] = [];
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) chain.push(label(byId.get(cur)!));
    const at = chain.findIndex((l) => l.startsWith(`${focus} `));
    if (at === -1) continue;
    const key = chain.slice(at, at + 7).join(' ← ');
    paths.set(key, (paths.get(key) ?? 0) + count);
  }
  print(`paths into ${focus}`, paths, 8);
}
