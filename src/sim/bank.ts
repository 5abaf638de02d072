/** What the simulator's two answer banks (reasoning answers, tool calls) share: loading and checks. */
import type { z } from "zod";
import { readDataText } from "../config/data-file.js";

/** A zod refinement step: reports every item whose key was already used. */
export function rejectDuplicateKeys<T>(
  items: readonly T[],
  key: (item: T) => string,
  where: (index: number) => (string | number)[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const k = key(item);
    if (seen.has(k)) ctx.addIssue({ code: "custom", message: `${what} "${k}" has two entries`, path: where(i) });
    seen.add(k);
  });
}

/** A loader that reads and parses a bank file once per process and path. */
export function cachedBankLoader<B>(parse: (text: string, label: string) => B, what: string): (path: string) => B {
  const loaded = new Map<string, B>();
  return (path) => {
    const cached = loaded.get(path);
    if (cached) return cached;
    const text = readDataText(
      path,
      `simulator's ${what}`,
      `the ${what} is a YAML file`,
      "SHAKEDOWN_SIM_OPTIONS",
      "reinstall shakedown, or start the simulator with scriptedAnswers: false",
    );
    const bank = parse(text, path);
    loaded.set(path, bank);
    return bank;
  };
}
