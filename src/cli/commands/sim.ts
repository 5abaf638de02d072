/** `shakedown sim`: serve the embedded simulator until SIGINT/SIGTERM. */
import { startSimulator, type SimOptions } from "../../sim/index.js";
import { EXIT } from "../../errors.js";
import { simKnobsFromFlags, type SimFlags } from "../options.js";
import { simOptionsFromKnobs } from "../../run/target.js";

export interface SimCommandFlags extends SimFlags {
  port: number;
  host: string;
  apiKey?: string;
  model?: string;
}

/** The soak knobs in effect, one line (empty when none is set). */
function soakKnobsLine(o: SimOptions, baseUrl: string): string {
  const parts: string[] = [];
  if (o.slowdownPerHour > 0) parts.push(`slowdown ${o.slowdownPerHour}× per hour up`);
  if (o.leakMbPerHour > 0) parts.push(`simulated leak ${o.leakMbPerHour} MiB per hour`);
  if (o.answerChangeAfter !== undefined) parts.push(`answers change after ${o.answerChangeAfter} chat requests`);
  if (o.fakeGpu) parts.push(`fake GPU (DCGM-exporter metrics) at ${new URL("/gpu/metrics", baseUrl).href}`);
  return parts.length > 0 ? `soak knobs: ${parts.join(", ")}\n` : "";
}

export async function simCommand(flags: SimCommandFlags): Promise<number> {
  const sim = await startSimulator({
    ...simOptionsFromKnobs(simKnobsFromFlags({ ...flags, ...(flags.apiKey !== undefined ? { simApiKey: flags.apiKey } : {}) })),
    port: flags.port,
    host: flags.host,
    ...(flags.model !== undefined ? { model: flags.model } : {}),
  });
  const o = sim.options;
  process.stdout.write(
    `shakedown simulator (a timing model of a vLLM-like server, not a model) listening on ${sim.baseUrl}\n` +
      `profile ${o.profile}, model "${o.model}", prefix caching ${o.prefixCaching ? "on" : "off"}, chunked prefill ${o.chunkedPrefill ? "on" : "off"}, ` +
      `max-num-seqs ${o.maxNumSeqs}, fail-rate ${o.failRate}, time-scale ${o.timeScale}${o.apiKey ? ", API key required" : ""}\n` +
      soakKnobsLine(o, sim.baseUrl) +
      `try: shakedown run --target ${sim.baseUrl}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await sim.close();
  return EXIT.ok;
}
