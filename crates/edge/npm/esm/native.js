// The Node backend: HMAC, AES-256-GCM and RSA-OAEP through node:crypto (OpenSSL), with the
// same checks and error codes as the WebAssembly core, which stays the reference. PKCS#1 v1.5
// unwrapping stays in the core: Node 20 refuses PKCS#1 v1.5 private decryption (the Marvin
// timing attack), while the core decrypts it with implicit rejection.

import * as nodeCrypto from "node:crypto";
import { fail } from "./errors.js";
import { isBase64 } from "./check.js";

const { createHmac, createCipheriv, createDecipheriv, createPrivateKey, privateDecrypt, timingSafeEqual, constants } = nodeCrypto;
const PREFIX = Buffer.from([0, 0, 0, 12]);

export function isKeyObject(value) {
  return value instanceof nodeCrypto.KeyObject;
}

function mac(clientId, secret, timestamp, nonce, body) {
  return createHmac("sha256", secret).update(`${clientId}HmacSHA256${timestamp}${nonce}`).update(body).digest();
}

/** Undoes the signature's URL encoding (only %2B, %2F and %3D, as the platform does). */
function urlDecode(signature) {
  let bad = false;
  const it = signature.replace(/%(..)?/g, (_, hex) => {
    const c = { "2B": "+", "2F": "/", "3D": "=" }[(hex || "").toUpperCase()];
    if (!c) bad = true;
    return c || "";
  });
  return bad ? undefined : it;
}

/**
 * Strict Base64 decoding at native speed. Node's decoder skips characters outside the
 * alphabet, so any such character shows as a decoded length short of what the text's length
 * promises; the URL-safe alphabet, which Node also takes, is refused by a search. (A regular
 * expression over a 4 MiB text costs more than the decryption.)
 */
function fromBase64(name, text) {
  const padding = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const bytes = text.length % 4 === 0 ? Buffer.from(text, "base64") : undefined;
  if (!bytes || bytes.length !== (text.length / 4) * 3 - padding || text.includes("-") || text.includes("_")) {
    fail("BAD_BASE64", `${name} is not standard, padded Base64`);
  }
  return bytes;
}

/** The Node backend; `reference` (the WebAssembly backend) unwraps PKCS#1 v1.5. */
export function nativeBackend(reference) {
  return Object.freeze({
    name: "node",
    sign(clientId, secret, timestamp, nonce, body) {
      // Base64 has three characters that need URL-encoding, +, / and =: encodeURIComponent
      // escapes exactly those, as %2B, %2F and %3D.
      return encodeURIComponent(mac(clientId, secret, timestamp, nonce, body).toString("base64"));
    },
    verify(clientId, secret, timestamp, nonce, body, signature) {
      const b64 = urlDecode(signature);
      if (b64 === undefined || !isBase64(b64)) return false;
      const presented = Buffer.from(b64, "base64");
      const expected = mac(clientId, secret, timestamp, nonce, body);
      return presented.length === expected.length && timingSafeEqual(presented, expected);
    },
    seal(cek, iv, plaintext) {
      if (iv.length !== 12) fail("IV_LENGTH", "the IV must be 12 bytes");
      const cipher = createCipheriv("aes-256-gcm", cek, iv);
      const sealed = Buffer.concat([PREFIX, iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      return sealed.toString("base64");
    },
    open(cek, content) {
      const blob = fromBase64("content", content);
      if (blob.length < 32) fail("CONTENT_TOO_SHORT", `content holds ${blob.length} bytes, too few for a length, an IV and a tag`);
      const declared = blob.readUInt32BE(0);
      if (declared !== 12) fail("IV_LENGTH", `content declares a ${declared}-byte IV; iAM Smart always uses 12`);
      const decipher = createDecipheriv("aes-256-gcm", cek, blob.subarray(4, 16));
      decipher.setAuthTag(blob.subarray(blob.length - 16));
      const plain = decipher.update(blob.subarray(16, blob.length - 16));
      try {
        decipher.final();
      } catch (cause) {
        fail("AUTH_TAG_MISMATCH", "content does not authenticate under this CEK (wrong key or altered data)", { cause });
      }
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.length);
    },
    privateKey(der, type) {
      let key;
      for (const t of type === "pkcs8" ? ["pkcs8", "pkcs1"] : [type]) {
        try {
          key = createPrivateKey({ key: Buffer.from(der), format: "der", type: t });
          break;
        } catch (cause) {
          if (t === "pkcs1" || type === "pkcs1") fail("BAD_PEM", "the key is not a valid RSA private key", { cause });
        }
      }
      if (key.asymmetricKeyType !== "rsa") fail("NOT_RSA", `the key is ${key.asymmetricKeyType}, not RSA: iAM Smart KEKs are RSA keys`);
      const bits = key.asymmetricKeyDetails.modulusLength;
      let core;
      return {
        bits,
        unwrap(secretKey, padding) {
          if (padding === "pkcs1v15") {
            core ??= reference.privateKey(der, type);
            return core.unwrap(secretKey, padding);
          }
          const wrapped = fromBase64("secretKey", secretKey);
          if (wrapped.length !== Math.ceil(bits / 8)) {
            fail("UNWRAP_FAILED", `secretKey holds ${wrapped.length} bytes but this ${bits}-bit key unwraps ${Math.ceil(bits / 8)}: was it wrapped under another KEK?`);
          }
          let plain;
          try {
            plain = privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: padding === "oaep-sha256" ? "sha256" : "sha1" }, wrapped);
          } catch (cause) {
            fail("UNWRAP_FAILED", "secretKey does not unwrap with this key and padding (another KEK, or another padding?)", { cause });
          }
          return cekFromPlaintext(plain);
        },
      };
    },
  });
}

/** The CEK inside an unwrapped secretKey: 32 raw bytes, or the 44 characters of its Base64. */
function cekFromPlaintext(plain) {
  if (plain.length === 32) return new Uint8Array(plain);
  const text = plain.toString("latin1");
  if (plain.length === 44 && isBase64(text)) return new Uint8Array(Buffer.from(text, "base64"));
  return fail("UNWRAP_FAILED", `secretKey unwrapped to ${plain.length} bytes, which is no AES-256 key`);
}
