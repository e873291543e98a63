// The entry point for browsers, workers and other runtimes without node:crypto: everything
// runs in the WebAssembly core, which starts compiling when this module loads. Await `ready`
// before the first call.

import { wasmBase64 } from "./bytes.js";
import { load, wasmBackend } from "./wasm.js";
import { makeApi } from "./api.js";
import { makeClient, FLOWS, RESULTS } from "./client.js";
import { IamSmartEdgeError, LOCAL_CODES } from "./errors.js";

function fromBase64(text) {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const platform = Object.freeze({
  native: false,
  isKeyObject: () => false,
  fromBase64,
  randomBytes: (n) => globalThis.crypto.getRandomValues(new Uint8Array(n)),
});

const api = makeApi(wasmBackend, platform);

/** Resolves when the WebAssembly core is ready (it starts loading on import). */
export const ready = load(fromBase64(wasmBase64));
// Awaiting `ready` still sees a failure; this only keeps an unawaited one from being reported twice.
ready.catch(() => {});
/** The WebAssembly core, which in browsers is also the main API. */
export const reference = api;
export const sign = api.sign;
export const verify = api.verify;
export const encrypt = api.encrypt;
export const decrypt = api.decrypt;
export const decryptBytes = api.decryptBytes;
export const decryptJson = api.decryptJson;
export const unwrapCek = api.unwrapCek;
export const signedRequest = api.signedRequest;
export const randomNonce = api.randomNonce;
/** "node" (node:crypto, with the core for PKCS#1 v1.5) or "wasm" (the WebAssembly core alone). */
export const backend = api.backend;
export const Kek = api.Kek;
export const IamSmartClient = makeClient(api, platform);
export { IamSmartEdgeError, LOCAL_CODES, FLOWS, RESULTS };
