// The reference backend: the WebAssembly core (crates/edge), the same code the sandbox runs.
// Used in browsers and workers, and under Node for what node:crypto cannot do (PKCS#1 v1.5
// unwrapping) and as `reference`.

import * as glue from "./glue.js";
import { fail, fromCore } from "./errors.js";
import { utf8 } from "./check.js";

let loaded = false;
let lazyBytes;

/**
 * Instantiates the core synchronously, from `bytes()`, the first time it is needed (Node:
 * most calls never need it there, and importing stays fast).
 */
export function loadLazily(bytes) {
  lazyBytes = bytes;
}

/** Instantiates the core asynchronously from its bytes (browsers). */
export async function load(bytes) {
  if (!loaded) await glue.default({ module_or_path: await WebAssembly.compile(bytes) });
  loaded = true;
}

function need() {
  if (!loaded && lazyBytes) {
    glue.initSync({ module: lazyBytes() });
    loaded = true;
  }
  if (!loaded) fail("NOT_READY", "the WebAssembly core is still loading: await ready before the first call");
}

function secretText(secret) {
  return typeof secret === "string" ? secret : utf8("clientSecret", new Uint8Array(secret.export()));
}

export const wasmBackend = Object.freeze({
  name: "wasm",
  sign(clientId, secret, timestamp, nonce, body) {
    need();
    return glue.sign(clientId, secretText(secret), timestamp, nonce, body);
  },
  verify(clientId, secret, timestamp, nonce, body, signature) {
    need();
    return glue.verify(clientId, secretText(secret), timestamp, nonce, body, signature);
  },
  seal(cek, iv, plaintext) {
    need();
    return fromCore(() => glue.sealContent(cek, iv, plaintext));
  },
  open(cek, content) {
    need();
    return fromCore(() => glue.openContent(cek, content));
  },
  privateKey(der) {
    need();
    const key = fromCore(() => glue.Kek.fromDer(der));
    return {
      bits: key.bits(),
      unwrap: (secretKey, padding) => fromCore(() => key.unwrap(secretKey, padding)),
    };
  },
});
