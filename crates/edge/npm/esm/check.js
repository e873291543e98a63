// Argument checks, run before anything reaches the WebAssembly core or node:crypto. Each
// accepts the forms a JavaScript developer is likely to hold and returns one canonical form,
// or throws an IamSmartEdgeError that names the argument and says what was expected.

import { describe, fail } from "./errors.js";

const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The smallest and largest timestamps taken as milliseconds (1973-03-03 to 2286-11-20). */
export const MIN_MS = 1e11;
export const MAX_MS = 1e13;
/** The longest nonce the platform accepts: the length of a UUID. */
export const MAX_NONCE = 36;

/** Standard, padded Base64 (what the platform sends and accepts). */
export function isBase64(text) {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

export function isBytes(value) {
  return value instanceof Uint8Array;
}

/** Bytes from a string (UTF-8), a Uint8Array or Buffer, an ArrayBuffer or another view. */
export function bytes(name, value) {
  if (typeof value === "string") return encoder.encode(value);
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return fail("BAD_ARGUMENT", `${name} must be a string or a Uint8Array (Buffer), got ${describe(value)}`);
}

/** Text from a string, or from UTF-8 bytes. */
export function text(name, value) {
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    return utf8(name, bytes(name, value));
  }
  return fail("BAD_ARGUMENT", `${name} must be a string or UTF-8 bytes, got ${describe(value)}`);
}

export function utf8(name, data) {
  try {
    return strictUtf8.decode(data);
  } catch (cause) {
    return fail("NOT_UTF8", `${name} is not valid UTF-8 text`, { cause });
  }
}

/** A header value: non-empty printable ASCII. */
export function headerText(name, value) {
  const it = text(name, value);
  if (it.length === 0) fail("BAD_ARGUMENT", `${name} is empty`);
  if (!/^[\x21-\x7e]+$/.test(it)) fail("BAD_ARGUMENT", `${name} must be printable ASCII without spaces`);
  return it;
}

/** The client secret as text (the HMAC key is its UTF-8), or a Node secret KeyObject. */
export function secret(value, platform) {
  if (platform.isKeyObject(value)) {
    if (value.type !== "secret") fail("BAD_ARGUMENT", `clientSecret must be a secret KeyObject, not a ${value.type} key`);
    return platform.native ? value : utf8("clientSecret", value.export());
  }
  const it = text("clientSecret", value);
  if (it.length === 0) fail("BAD_ARGUMENT", "clientSecret is empty");
  return it;
}

/**
 * A timestamp in milliseconds since 1970, as the decimal string the platform signs and
 * checks. Accepts a safe integer number, a bigint, a string of digits, or a Date.
 */
export function timestamp(value) {
  let ms;
  if (value instanceof Date) {
    ms = value.getTime();
    if (Number.isNaN(ms)) fail("BAD_TIMESTAMP", "timestamp is an invalid Date");
  } else if (typeof value === "number") {
    if (!Number.isFinite(value)) fail("BAD_TIMESTAMP", `timestamp must be a finite number of milliseconds, got ${value}`);
    if (!Number.isInteger(value)) fail("BAD_TIMESTAMP", `timestamp must be whole milliseconds, got ${value}`);
    ms = value;
  } else if (typeof value === "bigint") {
    ms = Number(value);
  } else if (typeof value === "string") {
    if (!/^[0-9]+$/.test(value)) fail("BAD_TIMESTAMP", `timestamp must be milliseconds as a string of digits, got ${JSON.stringify(value.slice(0, 20))}`);
    ms = Number(value);
  } else {
    return fail("BAD_TIMESTAMP", `timestamp must be milliseconds as a string or number, got ${describe(value)}`);
  }
  if (ms <= 0) fail("BAD_TIMESTAMP", `timestamp must be positive, got ${ms}`);
  if (ms < MIN_MS) fail("BAD_TIMESTAMP", `timestamp ${ms} looks like seconds: iAM Smart wants milliseconds since 1970 (Date.now())`);
  if (ms >= MAX_MS) fail("BAD_TIMESTAMP", `timestamp ${ms} is too large for milliseconds (microseconds?): use Date.now()`);
  return typeof value === "string" ? value : String(ms);
}

/** A nonce as the platform accepts it and HTTP carries it: 1 to 36 printable ASCII characters. */
export function nonce(value) {
  if (typeof value !== "string") fail("BAD_NONCE", `nonce must be a string, got ${describe(value)}`);
  if (value.length === 0) fail("BAD_NONCE", "nonce is empty");
  if (value.length > MAX_NONCE) fail("BAD_NONCE", `nonce has ${value.length} characters; the platform accepts at most ${MAX_NONCE}`);
  // The platform takes any ASCII; HTTP takes no control characters and trims spaces at the ends.
  if (!/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(value)) {
    fail("BAD_NONCE", "nonce must be printable ASCII, with no space at either end");
  }
  return value;
}

/** Strict Base64 decoding. */
export function base64(name, value, platform) {
  if (typeof value !== "string") fail("BAD_ARGUMENT", `${name} must be a Base64 string, got ${describe(value)}`);
  if (!isBase64(value)) fail("BAD_BASE64", `${name} is not standard, padded Base64`);
  return platform.fromBase64(value);
}

/** A content encryption key: 32 bytes as Base64, bytes, or a Node secret KeyObject. */
export function cek(value, platform) {
  let key;
  if (typeof value === "string") key = base64("cek", value, platform);
  else if (value instanceof Uint8Array) key = value;
  else if (platform.isKeyObject(value) && value.type === "secret") key = new Uint8Array(value.export());
  else return fail("BAD_ARGUMENT", `cek must be 32 bytes as Base64, a Uint8Array${platform.native ? " or a secret KeyObject" : ""}, got ${describe(value)}`);
  if (key.length !== 32) fail("CEK_LENGTH", `the CEK must be 32 bytes (AES-256), not ${key.length}`);
  return key;
}

export const PADDINGS = Object.freeze(["pkcs1v15", "oaep-sha256", "oaep-sha1"]);

export function padding(value) {
  if (value === undefined) return "pkcs1v15";
  if (!PADDINGS.includes(value)) {
    fail("BAD_ARGUMENT", `padding must be "pkcs1v15", "oaep-sha256" or "oaep-sha1", got ${typeof value === "string" ? JSON.stringify(value) : describe(value)}`);
  }
  return value;
}

/**
 * A request body as sent: omitted (`undefined` or `null`) for getKey and revokeKey; text
 * (a string or UTF-8 bytes) sent verbatim; anything else serialised with JSON.stringify.
 * Business JSON must be an object. Returns the text, or "" for no body.
 */
export function body(value) {
  if (value === undefined || value === null) return "";
  let json;
  if (typeof value === "string" || value instanceof Uint8Array) {
    json = text("body", value);
    let parsed;
    try {
      parsed = JSON.parse(json);
    } catch (cause) {
      fail("NOT_JSON", "body text is not JSON", { cause });
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) fail("BAD_ARGUMENT", "body text must be a JSON object");
    return json;
  }
  if (typeof value !== "object" || Array.isArray(value)) {
    return fail("BAD_ARGUMENT", `body must be an object, its JSON text, or omitted (getKey, revokeKey); got ${describe(value)}`);
  }
  try {
    json = JSON.stringify(value);
  } catch (cause) {
    fail("BAD_ARGUMENT", `body cannot be serialised as JSON (${cause.message})`, { cause });
  }
  if (typeof json !== "string" || !json.startsWith("{")) fail("BAD_ARGUMENT", "body must serialise to a JSON object");
  return json;
}
