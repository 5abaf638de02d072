/**
 * Summarises a .cpuprofile (V8's format, as written by `node --cpu-prof` or
 * bench/load.ts --profile): self time by function and inclusive time by file.
 *
 *   npx tsx bench/lib/profile-summary.ts FILE.cpuprofile [top=30]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const file = process.argv[2];
if (!file) {
  process.stderr.write("usage: npx tsx bench/lib/profile-summary.ts FILE.cpuprofile [top]\n");
  process.exit(2);
}
const top = Number(process.argv[3] ?? 30);
const p = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map<number, number>();
let total = 0;
p.samples.forEach((id, i) => {
  const d = p.timeDeltas[i] ?? 0;
  self.set(id, (self.get(id) ?? 0) + d);
  total += d;
});
const shortUrl = (u: string, parts: number) => u.split("/").slice(-parts).join("/");
const selfByFn = new Map<string, number>();
const inclByFile = new Map<string, number>();
for (const [id, t] of self) {
  const cf = byId.get(id)!.callFrame;
  const key = `${cf.functionName || "(anonymous)"}  ${shortUrl(cf.url, 2)}:${cf.lineNumber + 1}`;
  selfByFn.set(key, (selfByFn.get(key) ?? 0) + t);
  const seen = new Set<string>();
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = shortUrl(byId.get(cur)!.callFrame.url, 3) || "(native)";
    if (!seen.has(f)) {
      seen.add(f);
      inclByFile.set(f, (inclByFile.get(f) ?? 0) + t);
    }
  }
}
const pctOf = (t: number) => `${((t / total) * 100).toFixed(1).padStart(5)} %`;
process.stdout.write(`${(total / 1000).toFixed(0)} ms sampled\n\nself time by function:\n`);
for (const [k, t] of [...selfByFn].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pctOf(t)}  ${k}\n`);
process.stdout.write(`\ninclusive time by file:\n`);
for (const [k, t] of [...inclByFile].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pctOf(t)}  ${k}\n`);
