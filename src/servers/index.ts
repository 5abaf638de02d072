/**
 * src/servers: start, health-wait and stop the inference servers of a grid's cells, and ask
 * a running server about its configuration. Everything the grid uses comes from here.
 */
export { renderTemplate, templateFields, type TemplateQuoting } from "./template.js";
export { freePort, portInUse } from "./ports.js";
export { commandProgram, programExists } from "./program.js";
export {
  killAllServersSync,
  liveServers,
  ServerStartError,
  startServer,
  type ExitStatus,
  type ServerExitInfo,
  type ServerSpec,
  type StartedServer,
  type StartFailureKind,
} from "./server.js";
export { effectiveConfig, resetPrefixCache, type EffectiveConfig } from "./probe.js";
