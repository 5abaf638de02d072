/**
 * What can be known wrong with a grid before its first server starts, beyond the file itself
 * (plan.ts): a fixed port another process already holds, an API key variable that is not set.
 * Each is a ConfigError (exit 2) and nothing is written.
 */
import { ConfigError } from "../errors.js";
import { portInUse, renderTemplate } from "../servers/index.js";
import { shakedownCommand, type GridPlan } from "./plan.js";
import type { ParamValue } from "./types.js";

export async function checkBeforeStart(plan: GridPlan, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const problems: string[] = [];
  if (plan.apiKeyEnv !== undefined && (env[plan.apiKeyEnv] ?? "") === "") {
    problems.push(`server.api_key_env: the environment variable ${plan.apiKeyEnv} is not set (it holds the API key of the cells' servers)`);
  }
  const m = plan.manifest;
  if (m.server.kind !== "endpoint" && !plan.usesPort) {
    // Every cell's URL: a port may depend on a parameter.
    const seen = new Set<string>();
    for (const cell of m.cells) {
      const values: Record<string, ParamValue> = { ...cell.params, cell: cell.id, repeat: 1, shakedown: shakedownCommand(), ...(plan.model !== undefined ? { model: plan.model } : {}) };
      const url = new URL(renderTemplate(m.server.url, values, "url"));
      const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
      const key = `${url.hostname}:${port}`;
      if (seen.has(key)) continue;
      seen.add(key);
      if (await portInUse(url.hostname, port)) {
        problems.push(
          `server.url: port ${port} of ${url.hostname} is already in use by another process: a cell's server could not bind it, and its health URL would answer for that other server. Stop it, or write {port} in the command and the url to let shakedown pick a free port per cell`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
}
