import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { looksLikePrometheus, parseMetricsText, parseSampleValue } from "../../../src/monitor/parse.js";
import { metricsFixture } from "./helpers.js";

const values = (text: string, name: string): number[] => (parseMetricsText(text).samples.get(name) ?? []).map((s) => s.value);

describe("parseMetricsText", () => {
  it("reads names with colons, labels and _total counters", () => {
    const p = parseMetricsText(
      [
        "# HELP vllm:num_requests_running Number of requests in model execution batches.",
        "# TYPE vllm:num_requests_running gauge",
        'vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-8B"} 3.0',
        "# TYPE vllm:prompt_tokens_total counter",
        'vllm:prompt_tokens_total{engine="0",model_name="Qwen/Qwen3-8B"} 1.3e+06',
        "",
      ].join("\n"),
    );
    expect(p.samples.get("vllm:num_requests_running")).toEqual([
      { name: "vllm:num_requests_running", labels: { engine: "0", model_name: "Qwen/Qwen3-8B" }, value: 3 },
    ]);
    expect(p.samples.get("vllm:prompt_tokens_total")?.[0]?.value).toBe(1_300_000);
    expect(p.types.get("vllm:num_requests_running")).toBe("gauge");
    expect(p.types.get("vllm:prompt_tokens_total")).toBe("counter");
    expect(p.invalidLines).toBe(0);
  });

  it("reads NaN, +Inf, -Inf and exponents", () => {
    const p = parseMetricsText("a NaN\nb +Inf\nc -Inf\nd 1.5e-3\ne -2\nf Inf\n");
    expect(values("a NaN\n", "a")[0]).toBeNaN();
    expect(p.samples.get("b")?.[0]?.value).toBe(Infinity);
    expect(p.samples.get("c")?.[0]?.value).toBe(-Infinity);
    expect(p.samples.get("d")?.[0]?.value).toBe(0.0015);
    expect(p.samples.get("e")?.[0]?.value).toBe(-2);
    expect(p.samples.get("f")?.[0]?.value).toBe(Infinity);
    expect(parseSampleValue("")).toBeUndefined();
    expect(parseSampleValue("abc")).toBeUndefined();
  });

  // regression: the library drops a last sample line that has no trailing newline
  it("keeps a last line without a trailing newline", () => {
    expect(values("x 1\ny 2", "y")).toEqual([2]);
  });

  // regression: the library's histogram grouping loses _sum/_count of labelled series and
  // lets the buckets of one label set overwrite another's
  it("keeps every labelled histogram series with its _sum and _count", () => {
    const text = [
      "# TYPE h_seconds histogram",
      'h_seconds_bucket{engine="0",le="0.1"} 1.0',
      'h_seconds_bucket{engine="0",le="+Inf"} 2.0',
      'h_seconds_sum{engine="0"} 0.5',
      'h_seconds_count{engine="0"} 2.0',
      'h_seconds_bucket{engine="1",le="0.1"} 3.0',
      'h_seconds_bucket{engine="1",le="+Inf"} 4.0',
      'h_seconds_sum{engine="1"} 0.7',
      'h_seconds_count{engine="1"} 4.0',
    ].join("\n");
    const p = parseMetricsText(text);
    expect(p.samples.get("h_seconds_bucket")).toHaveLength(4);
    expect(p.samples.get("h_seconds_sum")?.map((s) => s.value)).toEqual([0.5, 0.7]);
    expect(p.samples.get("h_seconds_count")?.map((s) => s.labels.engine)).toEqual(["0", "1"]);
    expect(p.types.get("h_seconds")).toBe("histogram");
  });

  it("unescapes label values and keeps commas and braces inside quotes", () => {
    const p = parseMetricsText('m{path="C:\\\\DIR\\\\F.TXT",msg="say \\"hi\\"\\nbye",odd="a,b}c"} 1\n');
    expect(p.samples.get("m")?.[0]?.labels).toEqual({ path: "C:\\DIR\\F.TXT", msg: 'say "hi"\nbye', odd: "a,b}c" });
  });

  it("accepts CRLF line endings, timestamps, and OpenMetrics' # EOF and exemplars", () => {
    const p = parseMetricsText(
      '# TYPE c counter\r\nc_total{a="1"} 5 1700000000000\r\nh_bucket{le="1"} 2 # {trace_id="abc"} 0.5 1700000000.1\r\n# EOF\r\n',
    );
    expect(p.samples.get("c_total")?.[0]?.value).toBe(5);
    expect(p.samples.get("h_bucket")?.[0]?.value).toBe(2);
    expect(p.invalidLines).toBe(0);
  });

  it("skips bad lines without losing the good ones", () => {
    const text = 'good_one 1\n{no_name="x"} 3\nbad value here\nm{unterminated="x 2\ngood_two 2\ngood_three 3\ngood_four 4\n';
    const p = parseMetricsText(text);
    expect(values(text, "good_two")).toEqual([2]);
    expect(p.samples.get("good_one")?.[0]?.value).toBe(1);
    expect(p.sampleCount).toBe(4);
    expect(p.invalidLines).toBe(3);
    expect(p.firstInvalidLine).toBeDefined();
    expect(looksLikePrometheus(p)).toBe(true);
  });

  it("tells HTML, JSON and empty bodies from Prometheus text", () => {
    expect(looksLikePrometheus(parseMetricsText("<!doctype html>\n<html><body>Not Found</body></html>\n"))).toBe(false);
    expect(looksLikePrometheus(parseMetricsText('{"object":"list","data":[]}'))).toBe(false);
    expect(looksLikePrometheus(parseMetricsText(""))).toBe(false);
    expect(looksLikePrometheus(parseMetricsText("# only comments\n"))).toBe(false);
  });

  it("parses every fixture without an invalid line", () => {
    for (const f of ["vllm-v1.txt", "vllm-v1-old-names.txt", "sglang.txt", "llamacpp-b10573.txt"]) {
      const p = parseMetricsText(metricsFixture(f));
      expect(p.invalidLines, f).toBe(0);
      expect(p.sampleCount, f).toBeGreaterThan(10);
    }
  });

  it("round-trips generated expositions (property)", () => {
    const name = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/).filter((n) => n !== "le");
    const labelValue = fc.string({ maxLength: 12 });
    const value = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(Infinity, -Infinity));
    const sample = fc.record({ name, labels: fc.dictionary(labelName, labelValue, { maxKeys: 3 }), value });
    const esc = (v: string): string => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
    const fmt = (v: number): string => (v === Infinity ? "+Inf" : v === -Infinity ? "-Inf" : String(v));
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 20 }), (list) => {
        // distinct names: consecutive equal label sets of one name are one series in the format
        const unique = [...new Map(list.map((s) => [s.name, s])).values()];
        const text = unique
          .map((s) => {
            const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${esc(v)}"`);
            return `${s.name}${labels.length ? `{${labels.join(",")}}` : ""} ${fmt(s.value)}`;
          })
          .join("\n");
        const p = parseMetricsText(text);
        expect(p.invalidLines).toBe(0);
        for (const s of unique) {
          const got = p.samples.get(s.name)?.[0];
          expect(got?.value).toBe(s.value === 0 ? 0 : s.value);
          expect(got?.labels).toEqual(s.labels);
        }
      }),
      { numRuns: 200 },
    );
  });
});
