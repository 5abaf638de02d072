/**
 * Numbers, durations and dates for the consolidated report, formatted for its language with
 * Intl (French: "1 234,5 ms", "12,3 %"; English: "1,234.5 ms", "12.3%"). A missing or
 * non-finite value is "—" in every language.
 */
import type { MetricValue } from "../../scenarios/types.js";

export type FinalLang = "en" | "fr";

export const FINAL_LANGS: readonly FinalLang[] = ["en", "fr"];

const LOCALES: Record<FinalLang, string> = { en: "en-GB", fr: "fr-FR" };

export const DASH = "—";

const finite = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

export class Fmt {
  readonly locale: string;
  private readonly cache = new Map<string, Intl.NumberFormat>();

  constructor(readonly lang: FinalLang) {
    this.locale = LOCALES[lang];
  }

  private nf(key: string, options: Intl.NumberFormatOptions): Intl.NumberFormat {
    let f = this.cache.get(key);
    if (!f) this.cache.set(key, (f = new Intl.NumberFormat(this.locale, options)));
    return f;
  }

  /** A number with at most `digits` decimals (and at least `min`). */
  num(v: number | undefined, digits = 1, min = 0): string {
    if (!finite(v)) return DASH;
    return this.nf(`n${digits}.${min}`, { maximumFractionDigits: digits, minimumFractionDigits: min }).format(v);
  }

  /** A whole count. */
  int(v: number | undefined): string {
    return this.num(v, 0);
  }

  /** Milliseconds, one decimal at most: "1 234,5 ms". */
  ms(v: number | undefined): string {
    return finite(v) ? `${this.num(v, 1)} ms` : DASH;
  }

  /** A fraction as a percentage: 0.123 → "12,3 %". */
  pct(fraction: number | undefined): string {
    if (!finite(fraction)) return DASH;
    return this.nf("pct", { style: "percent", maximumFractionDigits: 1 }).format(fraction);
  }

  /** A signed change as a percentage, + when larger (slower, for latencies): "+12,3 %", "−4 %". */
  signedPct(ratio: number | undefined): string {
    if (!finite(ratio)) return DASH;
    return this.nf("spct", { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" }).format(ratio).replace("-", "−");
  }

  /** A factor: "×1,33". */
  factor(v: number | undefined): string {
    return finite(v) ? `×${this.num(v, 2)}` : DASH;
  }

  /** A figure in its unit, as results.json gives it. */
  metric(v: number | undefined, unit: MetricValue["unit"]): string {
    if (!finite(v)) return DASH;
    switch (unit) {
      case "ms":
        return this.ms(v);
      case "tok/s":
        return `${this.num(v, 1)} tok/s`;
      case "req/s":
        return `${this.num(v, 2)} req/s`;
      case "tokens":
        return `${this.num(v, 0)} tokens`;
      case "ratio":
        return this.signedPct(v);
      case "fraction":
        return this.pct(v);
      case "ms/1k tokens":
        return `${this.num(v, 1)} ms / 1k tokens`;
      case "sessions":
        return this.num(v, 0);
      case "count":
        return this.num(v, Number.isInteger(v) ? 0 : 1);
      case "x":
        return this.factor(v);
    }
  }

  /** A threshold's limit in its figure's unit (a ratio's limit reads as a plain percentage). */
  limit(v: number, unit: MetricValue["unit"]): string {
    return this.metric(v, unit === "ratio" ? "fraction" : unit);
  }

  /** A duration: "850 ms", "12,3 s", "4 min 05 s", "2 h 03 min". */
  duration(ms: number | undefined): string {
    if (!finite(ms)) return DASH;
    if (ms < 1000) return `${this.num(ms, 0)} ms`;
    if (ms < 120_000) return `${this.num(ms / 1000, 1)} s`;
    const s = Math.round(ms / 1000);
    if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
    return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  }

  /** An ISO timestamp as a UTC date and time in the language's style; the text itself when it is not a date. */
  date(iso: string | undefined): string {
    if (iso === undefined) return DASH;
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return iso;
    return `${new Intl.DateTimeFormat(this.locale, { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }).format(d)} UTC`;
  }

  /** A list: "a, b and c" / "a, b et c". */
  list(items: readonly string[]): string {
    return new Intl.ListFormat(this.locale, { style: "long", type: "conjunction" }).format(items);
  }
}
