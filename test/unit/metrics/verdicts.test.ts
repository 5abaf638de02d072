import { describe, expect, it } from "vitest";
import { compare, evaluate, overallStatus, type Threshold, type Verdict } from "../../../src/metrics/index.js";

const ttft: Threshold = { source: "ttft.mean < 4000", metric: "ttft.mean", op: "<", value: 4000 };
const tps: Threshold = { source: "output_tps.mean > 35", metric: "output_tps.mean", op: ">", value: 35 };
const deg: Threshold = { source: "degradation.ttft < 20%", metric: "degradation.ttft", op: "<", value: 0.2 };

describe("compare", () => {
  it("implements the four operators, strict and not", () => {
    expect(compare(1, "<", 2)).toBe(true);
    expect(compare(2, "<", 2)).toBe(false);
    expect(compare(2, "<=", 2)).toBe(true);
    expect(compare(3, ">", 2)).toBe(true);
    expect(compare(2, ">", 2)).toBe(false);
    expect(compare(2, ">=", 2)).toBe(true);
  });
});

describe("evaluate", () => {
  it("passes and fails by the comparison", () => {
    expect(evaluate(ttft, { value: 3480.54, n: 45 })).toEqual({
      threshold: "ttft.mean < 4000",
      metric: "ttft.mean",
      op: "<",
      limit: 4000,
      value: 3480.54,
      status: "pass",
      n: 45,
    });
    expect(evaluate(ttft, { value: 4000, n: 45 }).status).toBe("fail");
    expect(evaluate(tps, { value: 43.3 }).status).toBe("pass");
    expect(evaluate(tps, { value: 20 }).status).toBe("fail");
  });
  it("passes a negative degradation (faster later) against an upper bound", () => {
    expect(evaluate(deg, { value: -0.137, n: 30 }).status).toBe("pass");
    expect(evaluate(deg, { value: 0.25, n: 30 }).status).toBe("fail");
  });
  it("says not measured for a missing, non-finite or zero-sample value", () => {
    const a = evaluate(ttft, {});
    expect(a.status).toBe("not_measured");
    expect(a.value).toBeUndefined();
    expect(a.n).toBeUndefined();
    expect(evaluate(ttft, { value: Number.NaN }).status).toBe("not_measured");
    expect(evaluate(ttft, { value: 100, n: 0 })).toMatchObject({ status: "not_measured", n: 0 });
  });
});

describe("overallStatus", () => {
  const v = (status: Verdict["status"]): Pick<Verdict, "status"> => ({ status });
  it("fails when any verdict fails", () => {
    expect(overallStatus([v("pass"), v("fail"), v("not_measured")])).toBe("fail");
    expect(overallStatus([v("not_measured"), v("fail")])).toBe("fail");
  });
  it("passes when something passed and nothing failed", () => {
    expect(overallStatus([v("pass"), v("pass")])).toBe("pass");
    expect(overallStatus([v("pass"), v("not_measured")])).toBe("pass");
  });
  it("is not measured only when nothing was measured", () => {
    expect(overallStatus([v("not_measured"), v("not_measured")])).toBe("not_measured");
    expect(overallStatus([])).toBe("not_measured");
  });
});
