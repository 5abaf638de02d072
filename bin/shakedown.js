#!/usr/bin/env node
import { main } from "../dist-cli/main.js";

// Once a command has its exit code, the process ends: a socket or timer left behind by a
// server that misbehaved must not keep it alive (a bounded shutdown). The grace lets
// stdout and stderr drain first.
const EXIT_GRACE_MS = 2000;

main(process.argv).then(
  (code) => {
    process.exitCode = code;
    setTimeout(() => process.exit(code), EXIT_GRACE_MS).unref();
  },
  (err) => {
    console.error(err);
    process.exitCode = 70;
    setTimeout(() => process.exit(70), EXIT_GRACE_MS).unref();
  },
);
