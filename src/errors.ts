/**
 * Errors a user can cause. Each has a stable `code` and the process exit code the CLI
 * uses for it; the message says what, where and how to fix, and is printed without a
 * stack trace.
 */
export const EXIT = {
  ok: 0,
  verdictFailed: 1,
  usage: 2,
  unreachable: 3,
  interrupted: 130,
  internal: 70,
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
