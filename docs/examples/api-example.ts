/**
 * shakedown's library API in one program (docs/api.md): runs on the embedded simulator with
 * their events, two runs compared, a run stopped early, a re-analysis, a refused suite. It
 * takes a few seconds and writes its run folders under the system's temporary folder.
 *
 *   npm install shakedown        then: npx tsx api-example.ts (or compile it with tsc, run the .js)
 *
 * test/integration/api/pack.test.ts compiles and runs this file against the packed package.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { analyseRun, ConfigError, diffRuns, loadSuite, runSuite, startSimulator, type RunOutcome, type SuiteInput } from "shakedown";

const out = mkdtempSync(join(tmpdir(), "shakedown-example-"));

// A suite as an object holds the keys of a suite file (docs/configuration.md). No target.url:
// the embedded simulator (a timing model of a vLLM-like server, never a model) is started for the run.
const input: SuiteInput = {
  name: "api-example",
  target: { sim: { profile: "fast" } },
  scenarios: [{ kind: "conversation", turns: 8, iterations: 1, max_tokens: 32 }],
  output: { dir: out },
};

// loadSuite validates it, reporting every problem at once, and fills in the defaults.
const suite = loadSuite(input);

// 1. Run it while following its events; the handle is also a promise of the outcome.
const run = runSuite(suite);
run.on("scenario:start", (s) => console.log(`${s.name}: ${s.plannedRequests} requests`));
run.on("request:end", (r) => console.log(`  ${r.id}: ${r.result.ok ? "ok" : `failed (${r.result.error?.kind})`}`));
run.on("warning", (message) => console.warn(`warning: ${message}`));
const first: RunOutcome = await run;

for (const sc of first.results.scenarios) {
  console.log(`${sc.name}: ${sc.status}, TTFT p90 ${sc.metrics["ttft.p90"]?.value?.toFixed(1)} ms over ${sc.requests.ok} requests`);
  for (const v of sc.verdicts) console.log(`  ${v.status.padEnd(12)} ${v.threshold}`);
}
console.log(`run: ${first.results.status}, folder ${first.dir}`);

// 2. The same suite on a slower simulator profile, compared with the first run: each figure's
//    change with its interval from the records, and a word (faster, slower, no difference beyond noise).
const slower = await runSuite(loadSuite(input, { sets: ["target.sim.profile=default"] }));
const diff = diffRuns(first.dir, slower.dir, { failOn: ["ttft.p90 > +10%"] });
for (const sc of diff.scenarios) {
  for (const f of sc.figures.filter((f) => f.figure === "ttft.p50" || f.figure === "ttft.p90")) {
    console.log(`diff: ${f.figure} ${f.a?.toFixed(1)} → ${f.b?.toFixed(1)} ms, ${f.word}`);
  }
}
console.log(`diff: ${diff.failed ? "a --fail-on bound was breached" : "within the --fail-on bounds"}`);

// 3. Any OpenAI-compatible server: here a simulator started by hand, given as the target.
//    The same suite with more turns, stopped after its first request as Ctrl-C would stop it.
const sim = await startSimulator({ profile: "fast", model: "my-model" });
try {
  const longer = loadSuite(input, { target: { url: sim.baseUrl, model: "my-model" }, sets: ["conversation.turns=20"] });
  const stopped = runSuite(longer);
  stopped.on("request:end", (r) => {
    if (r.scenario === "conversation") stopped.stop("the example");
  });
  const outcome = await stopped;
  // cause "user"; the results are written and marked incomplete
  console.log(`stopped: ${outcome.stop?.cause}, ${outcome.results.status}, ${outcome.results.interruption}`);
} finally {
  await sim.close();
}

// 4. Re-analyse a run folder offline (add { write: true } to rewrite its reports, as `shakedown report DIR`).
const again = await analyseRun(first.dir);
console.log(`re-analysed: ${again.results.status}, ${again.records.length} records`);

// 5. A suite that cannot run is refused before anything starts.
try {
  loadSuite({ scenarios: [{ kind: "conversation", turns: 0 }] });
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  console.log(`refused (exit code ${e.exitCode}): ${e.message}`);
}
