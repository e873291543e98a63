// Reading the e-service's RSA private key (its KEK) from PEM, with an error that says what
// is wrong: no PEM at all, a public key or certificate, a key that is not RSA.

import { fail } from "./errors.js";
import { isBase64 } from "./check.js";

const PUBLIC = ["PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE", "CERTIFICATE REQUEST"];
const NOT_RSA = ["EC PRIVATE KEY", "DSA PRIVATE KEY", "OPENSSH PRIVATE KEY"];
// The DER of the rsaEncryption OID, 1.2.840.113549.1.1.1.
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

/** Parses PEM text into `{ der, type }`, `type` being "pkcs8" or "pkcs1". */
export function parsePem(pem, platform) {
  if (pem.includes("\\n") && !pem.includes("\n")) {
    fail("BAD_PEM", "the PEM has literal \\n sequences instead of line breaks (as an environment variable often holds it): replace them with newlines, e.g. pem.replaceAll(\"\\\\n\", \"\\n\")");
  }
  const block = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!block) fail("BAD_PEM", "no PEM block found: expected -----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----");
  const label = block[1];
  if (PUBLIC.includes(label)) {
    fail("NOT_A_PRIVATE_KEY", `this PEM is a ${label}: unwrapping needs the private half of your KEK, which never leaves your server`);
  }
  if (NOT_RSA.includes(label)) fail("NOT_RSA", `this PEM is an ${label}: iAM Smart KEKs are RSA keys`);
  if (label === "ENCRYPTED PRIVATE KEY") fail("BAD_PEM", "this PEM is encrypted with a passphrase: decrypt it first (openssl pkcs8 -in key.pem -out plain.pem)");
  if (label !== "PRIVATE KEY" && label !== "RSA PRIVATE KEY") fail("BAD_PEM", `unexpected PEM label ${label}`);
  const body = block[2].replace(/\s+/g, "");
  if (body.length === 0 || !isBase64(body)) fail("BAD_PEM", "the PEM body is not Base64 (headers such as Proc-Type mean an encrypted key)");
  const der = platform.fromBase64(body);
  const type = label === "PRIVATE KEY" ? "pkcs8" : "pkcs1";
  if (type === "pkcs8" && !hasRsaOid(der)) fail("NOT_RSA", "this PKCS#8 key is not an RSA key (EC or EdDSA?): iAM Smart KEKs are RSA keys");
  return { der, type };
}

function hasRsaOid(der) {
  const head = der.subarray(0, 40);
  outer: for (let i = 0; i + RSA_OID.length <= head.length; i++) {
    for (let j = 0; j < RSA_OID.length; j++) if (head[i + j] !== RSA_OID[j]) continue outer;
    return true;
  }
  return false;
}
