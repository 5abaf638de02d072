/**
 * The machine under the server over a scenario, in the report: the GPUs (when a sampler ran)
 * and the serving process (uptime, restarts, resident memory). Every figure with its n.
 */
import type { GpuFigures, GpuSpanSummary } from "../monitor/gpu/index.js";
import type { ServerProcessSummary } from "../monitor/process.js";
import { fmtDuration, fmtNum, fmtPct } from "./format.js";
import { paragraph, strong, table, text, type Inline } from "./md.js";

function hours(h: number | undefined): string {
  return h === undefined || !Number.isFinite(h) ? "—" : fmtDuration(h * 3_600_000);
}

function slope(estimate: number, lower: number, upper: number, unit: string): string {
  const sign = (x: number) => `${x >= 0 ? "+" : "−"}${fmtNum(Math.abs(x), 1)}`;
  return `${sign(estimate)} ${unit}/h (95 % CI ${sign(lower)} to ${sign(upper)})`;
}

function gpuRow(label: Inline, g: GpuFigures, joulesPerToken?: number): Inline[] {
  const mem = g.memoryUsedMiB;
  return [
    label,
    g.utilization ? `${fmtNum(g.utilization.mean, 0)} % (max ${fmtNum(g.utilization.max, 0)} %)` : "—",
    mem ? `${fmtNum(mem.first, 0)} → ${fmtNum(mem.last, 0)} MiB (max ${fmtNum(mem.max, 0)})` : "—",
    mem?.slope ? slope(mem.slope.mibPerHour, mem.slope.lowerMiBPerHour, mem.slope.upperMiBPerHour, "MiB") : "—",
    g.powerW ? `${fmtNum(g.powerW.mean, 0)} W (max ${fmtNum(g.powerW.max, 0)})` : "—",
    g.energy ? `${fmtNum(g.energy.joules / 1000, 1)} kJ (${g.energy.energySource === "counter" ? "counter" : "∫ power"})${joulesPerToken !== undefined ? `, ${fmtNum(joulesPerToken, 3)} J/token` : ""}` : "—",
    g.temperatureC ? `${fmtNum(g.temperatureC.mean, 0)} °C (max ${fmtNum(g.temperatureC.max, 0)})` : "—",
    g.smClockMHz ? `${fmtNum(g.smClockMHz.mean, 0)} MHz (min ${fmtNum(g.smClockMHz.min, 0)})` : "—",
    g.throttle && g.throttle.reasons.length > 0
      ? g.throttle.reasons.map((r) => `${r.reason} ${fmtPct(r.share)}`).join(", ")
      : g.throttle
        ? "none"
        : "—",
    String(g.n),
  ];
}

export function renderResourcesSection(gpu: GpuSpanSummary | undefined, proc: ServerProcessSummary | undefined, simulated: boolean): string {
  if (!gpu && !proc) return "";
  const out: string[] = ["### Resources"];
  if (proc) {
    const parts: Inline[] = [];
    if (proc.uptimeStartH !== undefined) parts.push(`The server had been up ${hours(proc.uptimeStartH)} at the scenario's start and ${hours(proc.uptimeEndH)} at its end`);
    if (proc.restarts.length > 0) {
      parts.push("; it ", strong("restarted"), ` ${proc.restarts.length} time(s) during the scenario (first at ${fmtDuration(proc.restarts[0]?.atMs)})`);
    }
    if (proc.rssFirstMb !== undefined) {
      parts.push(
        `${parts.length ? ". " : ""}Its resident memory went ${fmtNum(proc.rssFirstMb, 0)} → ${fmtNum(proc.rssLastMb, 0)} MB (max ${fmtNum(proc.rssMaxMb, 0)})`,
        proc.rssSlopeMbPerHour ? `, a slope of ${slope(proc.rssSlopeMbPerHour.estimate, proc.rssSlopeMbPerHour.lower, proc.rssSlopeMbPerHour.upper, "MB")} over ${proc.rssSlopeMbPerHour.n} scrapes` : "",
      );
    }
    parts.push(` (n = ${proc.n} scrapes of process_start_time_seconds / process_resident_memory_bytes${simulated ? "; simulated values" : ""}).`);
    out.push(paragraph(...parts));
  }
  if (gpu) {
    const rows = gpu.gpus.map((g) => gpuRow(text(`GPU ${g.gpu}${g.name ? ` (${g.name})` : ""}`, 80), g));
    if (gpu.gpus.length > 1) rows.push(gpuRow(`All ${gpu.total.gpuCount} GPUs (sum per tick; n = ticks)`, { ...gpu.total, n: gpu.total.ticks }, gpu.total.energy?.joulesPerOutputToken));
    else if (rows[0] && gpu.total.energy?.joulesPerOutputToken !== undefined) rows[0] = gpuRow(text(`GPU ${gpu.gpus[0]?.gpu ?? 0}${gpu.gpus[0]?.name ? ` (${gpu.gpus[0].name})` : ""}`, 80), gpu.gpus[0] as GpuFigures, gpu.total.energy.joulesPerOutputToken);
    out.push(table(["GPU", "Utilisation (mean)", "Memory used", "Memory slope (leak estimate)", "Power (mean)", "Energy", "Temperature", "SM clock", "Throttle reasons (share of samples)", "n samples"], rows));
    const notes = [
      "Joules per token = the mean power sampled over the scenario × its duration, over the output tokens of its successful requests; whatever else the GPU did meanwhile (idle time, other clients) counts in the energy.",
      simulated ? "The GPU is the simulator's fake GPU (`--fake-gpu`): simulated figures, not a measurement." : "",
    ].filter(Boolean);
    out.push(notes.map((n) => `- ${n}`).join("\n"));
  }
  return out.join("\n\n");
}
