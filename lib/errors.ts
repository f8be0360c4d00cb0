/** Bad input from a person or a file: the CLI exits 1 and routes answer 400. Names file, row and field when known. */
export class InputError extends Error {
  override name = 'InputError';
  constructor(
    message: string,
    readonly where?: { file?: string; row?: number; field?: string },
  ) {
    super(message);
  }
}

/** The acting user may not do this (CLI exit 1, HTTP 403). */
export class ForbiddenError extends Error {
  override name = 'ForbiddenError';
}

/** A thing asked for by id does not exist or is outside the user's regions (HTTP 404). */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export function describeInputError(e: InputError): string {
  const w = e.where;
  if (!w) return e.message;
  const parts = [w.file, w.row !== undefined ? `row ${w.row}` : undefined, w.field ? `field ${w.field}` : undefined].filter(Boolean);
  return parts.length ? `${parts.join(', ')}: ${e.message}` : e.message;
}
