// The public functions, over one backend (WebAssembly or node:crypto): every argument is
// checked here first, so the backend only ever sees well-formed values.

import { describe, fail } from "./errors.js";
import * as check from "./check.js";
import { parsePem } from "./pem.js";

const encoder = new TextEncoder();
const CREATE = Symbol("Kek");

/**
 * The API over `backend`. `platform` gives Base64, randomness and (under Node) KeyObject
 * support.
 */
export function makeApi(backend, platform) {
  // One clock for every request built here: a timestamp never goes back, even if the system
  // clock does, since the platform refuses a timestamp older than the client's previous one
  // (D20004).
  let lastTimestamp = 0;

  function now() {
    lastTimestamp = Math.max(Date.now(), lastTimestamp);
    return lastTimestamp;
  }

  function randomNonce() {
    return Array.from(platform.randomBytes(16), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function parts(args, name) {
    if (args === null || typeof args !== "object") fail("BAD_ARGUMENT", `${name} takes one object ({ clientId, clientSecret, timestamp, nonce, body }), got ${describe(args)}`);
    return {
      clientId: check.headerText("clientId", args.clientId),
      secret: check.secret(args.clientSecret, platform),
      timestamp: check.timestamp(args.timestamp),
      nonce: check.nonce(args.nonce),
      body: args.body === undefined || args.body === null ? new Uint8Array(0) : check.bytes("body", args.body),
    };
  }

  function sign(args) {
    const p = parts(args, "sign");
    return backend.sign(p.clientId, p.secret, p.timestamp, p.nonce, p.body);
  }

  function verify(args) {
    const p = parts(args, "verify");
    if (typeof args.signature !== "string") fail("BAD_ARGUMENT", `signature must be a string, got ${describe(args.signature)}`);
    return backend.verify(p.clientId, p.secret, p.timestamp, p.nonce, p.body, args.signature);
  }

  function encrypt(cek, plaintext) {
    const key = check.cek(cek, platform);
    return backend.seal(key, platform.randomBytes(12), check.bytes("plaintext", plaintext));
  }

  function decryptBytes(cek, content) {
    const key = check.cek(cek, platform);
    if (typeof content !== "string") fail("BAD_ARGUMENT", `content must be a Base64 string, got ${describe(content)}`);
    return backend.open(key, content);
  }

  function decrypt(cek, content) {
    return check.utf8("the decrypted content", decryptBytes(cek, content));
  }

  function decryptJson(cek, content) {
    const text = decrypt(cek, content);
    try {
      return JSON.parse(text);
    } catch (cause) {
      return fail("NOT_JSON", "the decrypted content is not JSON", { cause });
    }
  }

  /** The e-service's RSA private key, parsed once. */
  class Kek {
    #key;
    #unwrapped = new Map();

    constructor(token, key) {
      if (token !== CREATE) fail("BAD_ARGUMENT", "use Kek.fromPem, Kek.fromDer or Kek.fromKeyObject to make a Kek");
      this.#key = key;
    }

    static fromPem(pem) {
      const { der, type } = parsePem(check.text("pem", pem), platform);
      return new Kek(CREATE, backend.privateKey(der, type));
    }

    static fromDer(der) {
      if (!(der instanceof Uint8Array)) fail("BAD_ARGUMENT", `der must be a Uint8Array, got ${describe(der)}`);
      return new Kek(CREATE, backend.privateKey(der, "pkcs8"));
    }

    static fromKeyObject(key) {
      if (!platform.isKeyObject(key)) fail("BAD_ARGUMENT", `expected a Node KeyObject, got ${describe(key)}`);
      if (key.type !== "private") fail("NOT_A_PRIVATE_KEY", `this KeyObject is a ${key.type} key: unwrapping needs the private half of your KEK`);
      if (key.asymmetricKeyType !== "rsa") fail("NOT_RSA", `this KeyObject is a ${key.asymmetricKeyType} key: iAM Smart KEKs are RSA keys`);
      return Kek.fromDer(new Uint8Array(key.export({ format: "der", type: "pkcs8" })));
    }

    /** A Kek from any accepted form: a Kek, PEM text or bytes, or a Node KeyObject. */
    static from(key) {
      if (key instanceof Kek) return key;
      if (platform.isKeyObject(key)) return Kek.fromKeyObject(key);
      if (typeof key === "string" || key instanceof Uint8Array) return Kek.fromPem(key);
      return fail("BAD_ARGUMENT", `privateKey must be PEM text${platform.native ? ", a KeyObject" : ""} or a Kek, got ${describe(key)}`);
    }

    get bits() {
      return this.#key.bits;
    }

    /** Unwraps a Base64 `secretKey` (from getKey or a callback) into the 32-byte CEK. */
    unwrap(secretKey, padding) {
      const pad = check.padding(padding);
      if (typeof secretKey !== "string") fail("BAD_ARGUMENT", `secretKey must be a Base64 string, got ${describe(secretKey)}`);
      if (!check.isBase64(secretKey)) fail("BAD_BASE64", "secretKey is not standard, padded Base64");
      // The platform reuses a CEK until it expires, so callbacks keep bringing the same
      // secretKey: remember the last few, and pay for the RSA operation once per key.
      const memo = `${pad}:${secretKey}`;
      let cek = this.#unwrapped.get(memo);
      if (!cek) {
        cek = this.#key.unwrap(secretKey, pad);
        if (this.#unwrapped.size >= 8) this.#unwrapped.delete(this.#unwrapped.keys().next().value);
        this.#unwrapped.set(memo, cek);
      }
      return cek.slice();
    }
  }

  // unwrapCek(pem, ...) keeps the last few parsed keys, so a PEM string costs one parse.
  const parsed = new Map();
  function unwrapCek(privateKey, secretKey, padding) {
    let kek = typeof privateKey === "string" ? parsed.get(privateKey) : undefined;
    if (!kek) {
      kek = Kek.from(privateKey);
      if (typeof privateKey === "string") {
        if (parsed.size >= 4) parsed.delete(parsed.keys().next().value);
        parsed.set(privateKey, kek);
      }
    }
    return kek.unwrap(secretKey, padding);
  }

  /**
   * A complete signed request: `{ headers, body }`. A body given as text is sent verbatim
   * (encrypted verbatim with `cek`); an object is JSON.stringify'd; no body (getKey,
   * revokeKey) is the empty body, never encrypted.
   */
  function signedRequest(args) {
    if (args === null || typeof args !== "object") fail("BAD_ARGUMENT", `signedRequest takes one object ({ clientId, clientSecret, body, cek }), got ${describe(args)}`);
    const clientId = check.headerText("clientId", args.clientId);
    const secret = check.secret(args.clientSecret, platform);
    const timestamp = args.timestamp === undefined ? String(now()) : check.timestamp(args.timestamp);
    const nonce = args.nonce === undefined ? randomNonce() : check.nonce(args.nonce);
    const key = args.cek === undefined || args.cek === null ? undefined : check.cek(args.cek, platform);
    let body = check.body(args.body);
    if (body !== "" && key) {
      const content = backend.seal(key, platform.randomBytes(12), encoder.encode(body));
      body = `{"content":"${content}"}`;
    }
    const signature = backend.sign(clientId, secret, timestamp, nonce, encoder.encode(body));
    return {
      headers: { clientID: clientId, signatureMethod: "HmacSHA256", timestamp, nonce, signature, "Content-Type": "application/json" },
      body,
    };
  }

  return Object.freeze({ sign, verify, encrypt, decrypt, decryptBytes, decryptJson, unwrapCek, signedRequest, randomNonce, Kek, backend: backend.name });
}
