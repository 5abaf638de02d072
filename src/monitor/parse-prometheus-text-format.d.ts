/**
 * Types for parse-prometheus-text-format 1.1.1 (the package ships none). Only what
 * src/monitor/parse.ts uses: the default export (CommonJS `module.exports = fn`) returns
 * metric families whose samples carry string values. See parse.ts for the library's
 * limits and how the monitor works around them.
 */
declare module "parse-prometheus-text-format" {
  interface PromTextSample {
    value?: string;
    labels?: Record<string, string>;
    timestamp_ms?: string;
    count?: string;
    sum?: string;
    buckets?: Record<string, string>;
    quantiles?: Record<string, string>;
  }
  interface PromTextFamily {
    name: string;
    help: string;
    type: string;
    metrics: PromTextSample[];
  }
  function parsePrometheusTextFormat(text: string): PromTextFamily[];
  export = parsePrometheusTextFormat;
}
