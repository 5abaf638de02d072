/**
 * NVML's clocks-event (formerly "clocks throttle") reasons: a bitmask of why the clocks are
 * below their maximum. nvidia-smi prints it as `0x0000000000000004`
 * (clocks_event_reasons.active, older drivers clocks_throttle_reasons.active); DCGM exports it
 * as a number (DCGM_FI_DEV_CLOCKS_EVENT_REASONS, older DCGM_FI_DEV_CLOCK_THROTTLE_REASONS),
 * with the same bits ("a 1:1 map to the NVML reasons documented in nvml.h").
 */

/** Bit → name, from nvml.h (nvmlClocksEventReason*). */
export const CLOCK_EVENT_REASONS: readonly (readonly [bit: bigint, name: string])[] = [
  [0x1n, "gpu_idle"],
  [0x2n, "applications_clocks_setting"],
  [0x4n, "sw_power_cap"],
  [0x8n, "hw_slowdown"],
  [0x10n, "sync_boost"],
  [0x20n, "sw_thermal_slowdown"],
  [0x40n, "hw_thermal_slowdown"],
  [0x80n, "hw_power_brake_slowdown"],
  [0x100n, "display_clock_setting"],
  // newer drivers (nvmlClocksEventReasonBoardLimit, …Reliability)
  [0x200n, "board_limit"],
  [0x400n, "reliability"],
];

/**
 * The names of the bits set in `mask`, in bit order; an unknown bit is named by its value
 * (`bit_0x800`). 0 gives [] (nothing is holding the clocks back).
 */
export function decodeClockEventReasons(mask: bigint): string[] {
  const out: string[] = [];
  let rest = mask;
  for (const [bit, name] of CLOCK_EVENT_REASONS) {
    if ((mask & bit) !== 0n) out.push(name);
    rest &= ~bit;
  }
  for (let bit = 1n; rest !== 0n && bit <= rest; bit <<= 1n) {
    if ((rest & bit) !== 0n) {
      out.push(`bit_0x${bit.toString(16)}`);
      rest &= ~bit;
    }
  }
  return out;
}

/**
 * Reads a bitmask as printed: hex with 0x (nvidia-smi) or a decimal integer (DCGM, maybe
 * with a ".0"). Undefined when it is not one (N/A, garbage, negative).
 */
export function parseClockEventMask(text: string): bigint | undefined {
  const s = text.trim();
  try {
    if (/^0x[0-9a-f]+$/i.test(s)) return BigInt(s);
    if (/^\d+(\.0*)?$/.test(s)) return BigInt(s.replace(/\.0*$/, ""));
  } catch {
    return undefined;
  }
  return undefined;
}
