/**
 * The soak knobs' flags: `shakedown sim --slowdown-per-hour --leak-mb-per-hour
 * --answer-change-after --fake-gpu`, and the same on `shakedown run`, where a real --target
 * refuses them. Runs the built CLI (npm run build first).
 */
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

describe("soak knob flags", () => {
  it("run --target URL --fake-gpu is refused with exit 2, naming the flag", async () => {
    const r = await runCli(["run", "--target", "http://127.0.0.1:9", "--fake-gpu"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--fake-gpu");
    expect(r.stderr).toContain("only when no --target");
  });

  it("run --target URL refuses each of the four, all named", async () => {
    const r = await runCli([
      "run",
      "--target",
      "http://127.0.0.1:9",
      "--slowdown-per-hour",
      "30",
      "--leak-mb-per-hour",
      "600",
      "--answer-change-after",
      "20",
    ]);
    expect(r.code).toBe(2);
    for (const flag of ["--slowdown-per-hour", "--leak-mb-per-hour", "--answer-change-after"]) expect(r.stderr).toContain(flag);
  });

  it("bad values are usage errors", async () => {
    const [a, b] = await Promise.all([runCli(["sim", "--answer-change-after", "0"]), runCli(["sim", "--slowdown-per-hour", "-1"])]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--answer-change-after");
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("--slowdown-per-hour");
  });

  it("sim --fake-gpu --leak-mb-per-hour serves /gpu/metrics and says so", async () => {
    let gpuStatus = 0;
    let gpuText = "";
    const r = await runCli(["sim", "--port", "0", "--profile", "fast", "--fake-gpu", "--leak-mb-per-hour", "600", "--answer-change-after", "5"], {
      onStart(child, io) {
        const poll = setInterval(() => {
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(io.stdout());
          if (!m) return;
          clearInterval(poll);
          void fetch(`${m[1]}/gpu/metrics`)
            .then(async (res) => {
              gpuStatus = res.status;
              gpuText = await res.text();
            })
            .finally(() => child.kill("SIGTERM"));
        }, 20);
      },
    });
    expect(r.code).toBe(0);
    expect(gpuStatus).toBe(200);
    expect(gpuText).toContain('DCGM_FI_DEV_GPU_UTIL{gpu="0"');
    expect(r.stdout).toContain("fake GPU");
    expect(r.stdout).toContain("600 MiB per hour");
    expect(r.stdout).toContain("answers change after 5");
  });
});
