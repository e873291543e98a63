// The entry point under Node: node:crypto for HMAC, AES-GCM and OAEP, the WebAssembly core
// for PKCS#1 v1.5 unwrapping, and the core alone as `reference`.

import * as nodeCrypto from "node:crypto";
import { wasmBase64 } from "./bytes.js";
import { loadLazily, wasmBackend } from "./wasm.js";
import { isKeyObject, nativeBackend } from "./native.js";
import { makeApi } from "./api.js";
import { makeClient, FLOWS, RESULTS } from "./client.js";
import { IamSmartEdgeError, LOCAL_CODES } from "./errors.js";

loadLazily(() => Buffer.from(wasmBase64, "base64"));

const platform = Object.freeze({
  native: true,
  isKeyObject,
  fromBase64: (text) => Buffer.from(text, "base64"),
  randomBytes: (n) => nodeCrypto.randomBytes(n),
});

const api = makeApi(nativeBackend(wasmBackend), platform);

/** The same API over the WebAssembly core only (what browsers run), for comparison and tests. */
export const reference = makeApi(wasmBackend, platform);
/** Resolved at once under Node; in browsers, the WebAssembly core is ready when it resolves. */
export const ready = Promise.resolve();
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
