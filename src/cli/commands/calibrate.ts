/** `shakedown calibrate`: the client's noise floor and capacity against the simulator, per concurrency. */
import { calibrateClient, type Calibration } from "../../calibrate/index.js";
import { EXIT } from "../../errors.js";
import { fmtMs, fmtNum, fmtPct, table } from "../../report/format.js";

export interface CalibrateFlags {
  concurrency: number[];
  inputTokens: number;
  outputTokens: number;
  json?: boolean;
}

export async function calibrateCommand(flags: CalibrateFlags): Promise<number> {
  const ac = new AbortController();
  const stop = () => ac.abort();
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const results: Calibration[] = [];
  try {
    for (const c of flags.concurrency) {
      if (ac.signal.aborted) break;
      process.stderr.write(`calibrating at ${c} in flight (${flags.inputTokens} prompt, ${flags.outputTokens} output tokens)…\n`);
      results.push(await calibrateClient({ concurrency: c, inputTokens: flags.inputTokens, outputTokens: flags.outputTokens, signal: ac.signal }));
    }
  } finally {
    process.off("SIGINT", stop);
    process.off("SIGTERM", stop);
  }
  if (flags.json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");
  else process.stdout.write(renderCalibrations(results) + "\n");
  return ac.signal.aborted ? EXIT.interrupted : EXIT.ok;
}

export function renderCalibrations(results: Calibration[]): string {
  const rows = results.map((r) => {
    const t = r.clientAddedTtftMs;
    const c = r.capacity;
    return [
      String(r.concurrency),
      t ? fmtMs(t.p50) : "—",
      t ? fmtMs(t.p99) : "—",
      t ? String(t.n) : "0",
      `${c.limitedBy === "server" ? "≥ " : ""}${fmtNum(c.chunksPerSec, 0)}`,
      fmtNum(c.requestsPerSec, 0),
      `${fmtPct(c.clientCpu)} (${c.limitedBy})`,
      String(r.failed),
    ];
  });
  return [
    table(["In flight", "Client-added TTFT p50", "p99", "n", "Chunks/s taken in", "Req/s", "Client CPU (limit)", "Failed"], rows),
    "",
    "Client-added TTFT: the client's TTFT minus the instant the first-token bytes left the simulator (in its own process). " +
      "Chunks/s: from a server streaming pre-built chunks as fast as it can, one event per write; “≥” when that server, not the client, was the limit (the client used less than 85 % of a core).",
  ].join("\n");
}
