/**
 * Errors a user can cause. Each has a stable `code` and the process exit code the CLI
 * uses for it; the message says what, where and how to fix, and is printed without a
 * stack trace.
 */
export const EXIT = {
  /** Every verdict passed. */
  ok: 0,
  /** A verdict failed, or nothing could be measured. */
  verdictFailed: 1,
  /** Bad flag, bad suite or data file, refused key, unusable --out, run folder that cannot be read. */
  usage: 2,
  /** The target cannot be reached, or went away during the run. */
  unreachable: 3,
  /** `shakedown report` of a run that did not finish (it was stopped, killed or crashed). */
  incomplete: 4,
  /** No verdict failed, but one could not be decided: within noise, or the client was overloaded. */
  inconclusive: 5,
  /** A bug in shakedown (an unexpected exception): the run folder keeps what was measured. */
  internal: 70,
  /** Reading or writing a file failed (disk full, permission lost, I/O error). */
  io: 74,
  /** Stopped by the user (SIGINT or SIGTERM) during this command. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class ShakedownError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, exitCode: ExitCode) {
    super(message);
    this.name = "ShakedownError";
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad suite file, bad flag, unknown scenario: exit 2. */
export class ConfigError extends ShakedownError {
  constructor(message: string, code = "SHAKEDOWN_CONFIG_INVALID") {
    super(code, message, EXIT.usage);
    this.name = "ConfigError";
  }
}

/** The target refused the credentials (401/403) or the key variable is unset: exit 2. */
export class AuthError extends ShakedownError {
  constructor(message: string) {
    super("SHAKEDOWN_AUTH", message, EXIT.usage);
    this.name = "AuthError";
  }
}

/** The target cannot be reached or does not speak the API: exit 3. */
export class UnreachableError extends ShakedownError {
  constructor(message: string) {
    super("SHAKEDOWN_TARGET_UNREACHABLE", message, EXIT.unreachable);
    this.name = "UnreachableError";
  }
}

/** A run folder that cannot be read back (shakedown report DIR): exit 2. */
export class RunFolderError extends ShakedownError {
  constructor(message: string) {
    super("SHAKEDOWN_RUN_FOLDER", message, EXIT.usage);
    this.name = "RunFolderError";
  }
}

/**
 * Writing (or reading) a file of the run failed: disk full, permission, I/O error: exit 74.
 * The message names the file and what was kept.
 */
export class StorageError extends ShakedownError {
  constructor(message: string, code = "SHAKEDOWN_STORAGE") {
    super(code, message, EXIT.io);
    this.name = "StorageError";
  }
}
