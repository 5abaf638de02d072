import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const root = dirname(fileURLToPath(import.meta.url));

/**
 * Test files that replace modules or globals for themselves (vi.mock and kin): they must
 * not share a process with other files, or the replacement leaks into them. Found by
 * reading the files, so that a new one is never missed.
 */
function filesNeedingIsolation(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".test.ts")) continue;
    const path = join(entry.parentPath, entry.name);
    if (/\bvi\s*\.\s*(mock|doMock|unmock|stubGlobal|stubEnv|useFakeTimers|resetModules)\b/.test(readFileSync(path, "utf8"))) found.push(relative(root, path));
  }
  return found;
}

const isolated = filesNeedingIsolation("test");

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // Most integration tests wait on simulated time rather than compute: three workers on a
    // 2-core machine halve the suite's wall time, and the timing assertions are ratios with
    // margins that hold under that load (checked repeatedly).
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: "shared",
          include: ["test/**/*.test.ts"],
          exclude: isolated,
          // A worker process runs file after file, importing each module once instead of once
          // per file: a fresh process per file cost more CPU than the tests themselves. Test
          // files must therefore leave the process as they found it (close their servers,
          // restore what they change); those that replace modules run in "isolated".
          isolate: false,
        },
      },
      {
        extends: true,
        test: { name: "isolated", include: isolated.length > 0 ? isolated : ["no-file-needs-isolation"], isolate: true },
      },
    ],
  },
});
