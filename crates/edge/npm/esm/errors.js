// The one error type of the package, and the codes it carries.

/** Codes of faults found on this side, before or without the platform. */
export const LOCAL_CODES = Object.freeze([
  "BAD_ARGUMENT",
  "BAD_TIMESTAMP",
  "BAD_NONCE",
  "BAD_BASE64",
  "BAD_PEM",
  "NOT_A_PRIVATE_KEY",
  "NOT_RSA",
  "CEK_LENGTH",
  "IV_LENGTH",
  "CONTENT_TOO_SHORT",
  "AUTH_TAG_MISMATCH",
  "UNWRAP_FAILED",
  "NOT_UTF8",
  "NOT_JSON",
  "NO_KEY",
  "NOT_READY",
  "HTTP",
  "BAD_RESPONSE",
]);

/**
 * Every error this package throws. `code` is one of `LOCAL_CODES` for a fault found here, or
 * the platform's `D`-code (`D20006`, `D30002`, ...) when iAM Smart answered with one; `local`
 * tells which.
 */
export class IamSmartEdgeError extends Error {
  constructor(code, message, details) {
    super(message, details && details.cause !== undefined ? { cause: details.cause } : undefined);
    this.name = "IamSmartEdgeError";
    this.code = code;
    this.local = !/^D\d{5}$/.test(code);
    if (details && details.txID !== undefined) this.txID = details.txID;
    if (details && details.status !== undefined) this.status = details.status;
  }
}

/** Throws an `IamSmartEdgeError`. */
export function fail(code, message, details) {
  throw new IamSmartEdgeError(code, message, details);
}

/**
 * Runs a call into the WebAssembly core and turns what it throws into an
 * `IamSmartEdgeError`: the core names its errors after their codes. Anything else escaping
 * the core (a trap) is a bug, reported as such rather than hidden.
 */
export function fromCore(call) {
  try {
    return call();
  } catch (err) {
    if (err instanceof IamSmartEdgeError) throw err;
    if (err && LOCAL_CODES.includes(err.name)) fail(err.name, err.message);
    throw err;
  }
}

/** A short description of a value for error messages (never its content: it may be a secret). */
export function describe(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return `a ${value.constructor.name} of ${value.length} bytes`;
  if (typeof value === "object") return `an object (${value.constructor ? value.constructor.name : "no prototype"})`;
  if (typeof value === "string") return `a string of ${value.length} characters`;
  return `a ${typeof value}`;
}
