// Errors a user can act on. The CLI prints `Error: <message>` and exits with
// `code`; anything else is a bug and gets the stack trace it deserves.

/** podman's codes: 125 = our own error, 126 = cannot invoke, 127 = not found. */
export const EXIT_ERROR = 125;
export const EXIT_CANNOT_INVOKE = 126;
export const EXIT_NOT_FOUND = 127;

export class UserError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT_ERROR,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/**
 * A container, image or volume that is not there, in podman's words ("no
 * container with name or ID "x" found: no such container"), which scripts
 * match. Some commands exit with their own code for it: rm and volume rm 1,
 * as podman's (and rm -f nothing at all).
 */
export class NotFoundError extends UserError {
  constructor(
    readonly kind: 'container' | 'image' | 'volume',
    readonly ref: string,
    message: string,
    hint?: string,
  ) {
    super(message, EXIT_ERROR, hint);
    this.name = 'NotFoundError';
  }
}

export function isNotFound(e: unknown, kind?: NotFoundError['kind']): e is NotFoundError {
  return e instanceof NotFoundError && (kind === undefined || e.kind === kind);
}

/** podman's codes of rm: a container that is not there, one that runs (without -f). */
export const EXIT_NO_SUCH = 1;
export const EXIT_STATE_IMPROPER = 2;

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Text of any thrown value, for a status line or a log. */
export function errorText(e: unknown): string {
  if (e instanceof UserError) return e.hint ? `${e.message}\n${e.hint}` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
