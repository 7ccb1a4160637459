// Errors that models and rules throw and the web layer answers (app.ts's one error handler).

/**
 * The record does not exist, or is outside the asker's scope: both are answered alike, as if the
 * record did not exist (DESIGN §2).
 */
export class NotFoundError extends Error {
  constructor(what = 'not found') {
    super(what);
  }
}
