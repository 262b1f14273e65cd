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

export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

/** Text of any thrown value, for a status line or a log. */
export function errorText(e: unknown): string {
  if (e instanceof UserError) return e.hint ? `${e.message}\n${e.hint}` : e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
