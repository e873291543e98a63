// Every bad input the SDK once crashed on or mishandled, each expected to give a typed
// IamSmartEdgeError with the right code (never a WebAssembly trap or a platform D-code), run
// against the main API and the WebAssembly-only `reference`. Also the inputs that must now
// work: number timestamps, Buffers, KeyObjects, verbatim text bodies, empty bodies.
//
// run(sdk) prints one line per case and resolves to the number of failures.

import * as crypto from "node:crypto";

const ID = "3f2a9c0e5b7d4e1f8a6c2b9d0e4f7a15";
const SECRET = "edge-test-secret/+=";
const TS = 1764316800123;
const CEK = crypto.randomBytes(32);
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const PEM = privateKey.export({ type: "pkcs8", format: "pem" });
const PKCS1_PEM = privateKey.export({ type: "pkcs1", format: "pem" });
const EC_PEM = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
const SEC1_PEM = crypto.generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" });
const wrap = (key, padding = crypto.constants.RSA_PKCS1_PADDING, oaepHash) =>
  crypto.publicEncrypt({ key, padding, oaepHash }, CEK).toString("base64");

function sealed(ivLength, iv = crypto.randomBytes(12)) {
  const cipher = crypto.createCipheriv("aes-256-gcm", CEK, iv);
  const ct = Buffer.concat([cipher.update("{\"a\":1}"), cipher.final(), cipher.getAuthTag()]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(ivLength);
  return Buffer.concat([len, iv, ct]).toString("base64");
}

const parts = (more) => ({ clientId: ID, clientSecret: SECRET, timestamp: TS, nonce: "n-1", body: "{}", ...more });

/** [name, call, expected code] — each call must throw an IamSmartEdgeError with that code. */
function refusals(api) {
  const good = sealed(12);
  const tampered = good.slice(0, -6) + (good.slice(-6, -5) === "A" ? "B" : "A") + good.slice(-5);
  return [
    ["sign with a fractional timestamp", () => api.sign(parts({ timestamp: 1764316800123.5 })), "BAD_TIMESTAMP"],
    ["sign with a timestamp in seconds", () => api.sign(parts({ timestamp: 1764316800 })), "BAD_TIMESTAMP"],
    ["sign with a negative timestamp", () => api.sign(parts({ timestamp: -5 })), "BAD_TIMESTAMP"],
    ["sign with a NaN timestamp", () => api.sign(parts({ timestamp: NaN })), "BAD_TIMESTAMP"],
    ["sign with a timestamp in microseconds", () => api.sign(parts({ timestamp: TS * 1000 })), "BAD_TIMESTAMP"],
    ["sign with an object timestamp", () => api.sign(parts({ timestamp: { ms: TS } })), "BAD_TIMESTAMP"],
    ["sign with a decimal string timestamp", () => api.sign(parts({ timestamp: "1764316800123.0" })), "BAD_TIMESTAMP"],
    ["sign with an object body", () => api.sign(parts({ body: { a: 1 } })), "BAD_ARGUMENT"],
    ["sign with a number body", () => api.sign(parts({ body: 5 })), "BAD_ARGUMENT"],
    ["sign with no client secret", () => api.sign(parts({ clientSecret: undefined })), "BAD_ARGUMENT"],
    ["sign with positional arguments", () => api.sign(ID, SECRET, TS, "n-1", "{}"), "BAD_ARGUMENT"],
    ["sign with a 37-character nonce", () => api.sign(parts({ nonce: "x".repeat(37) })), "BAD_NONCE"],
    ["sign with a non-ASCII nonce", () => api.sign(parts({ nonce: "nönce" })), "BAD_NONCE"],
    ["sign with an empty nonce", () => api.sign(parts({ nonce: "" })), "BAD_NONCE"],
    ["sign with a number nonce", () => api.sign(parts({ nonce: 12345 })), "BAD_NONCE"],
    ["sign with a nonce ending in a space", () => api.sign(parts({ nonce: "abc " })), "BAD_NONCE"],
    ["sign with a nonce holding a line break", () => api.sign(parts({ nonce: "a\nb" })), "BAD_NONCE"],
    ["signedRequest with no secret", () => api.signedRequest({ clientId: ID, clientSecret: undefined }), "BAD_ARGUMENT"],
    ["signedRequest with nothing", () => api.signedRequest(undefined), "BAD_ARGUMENT"],
    ["signedRequest with a 37-character nonce", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, nonce: "y".repeat(37) }), "BAD_NONCE"],
    ["signedRequest with a seconds timestamp", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, timestamp: 1764316800 }), "BAD_TIMESTAMP"],
    ["signedRequest with a body that is not JSON", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, body: "code=abc" }), "NOT_JSON"],
    ["signedRequest with an array body", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, body: [1, 2] }), "BAD_ARGUMENT"],
    ["signedRequest with a BigInt in the body", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, body: { n: 1n } }), "BAD_ARGUMENT"],
    ["encrypt an object", () => api.encrypt(CEK, { a: 1 }), "BAD_ARGUMENT"],
    ["encrypt under an RSA KeyObject", () => api.encrypt(privateKey, "x"), "BAD_ARGUMENT"],
    ["encrypt under a 16-byte key", () => api.encrypt(crypto.randomBytes(16), "x"), "CEK_LENGTH"],
    ["encrypt under a key that is not Base64", () => api.encrypt("not base64!", "x"), "BAD_BASE64"],
    ["decrypt bad Base64", () => api.decrypt(CEK, "AAAA*AAA"), "BAD_BASE64"],
    ["decrypt a Buffer instead of Base64 text", () => api.decrypt(CEK, Buffer.from(good, "base64")), "BAD_ARGUMENT"],
    ["decrypt a blob too short", () => api.decrypt(CEK, "AAAADAAAAAAAAAAAAAAAAA=="), "CONTENT_TOO_SHORT"],
    ["decrypt a blob declaring a 16-byte IV", () => api.decrypt(CEK, sealed(16)), "IV_LENGTH"],
    ["decrypt a tampered blob", () => api.decrypt(CEK, tampered), "AUTH_TAG_MISMATCH"],
    ["decrypt under another key", () => api.decrypt(crypto.randomBytes(32), good), "AUTH_TAG_MISMATCH"],
    ["decryptJson of text that is not JSON", () => api.decryptJson(CEK, api.encrypt(CEK, "plain words")), "NOT_JSON"],
    ["decrypt bytes that are not UTF-8", () => api.decrypt(CEK, api.encrypt(CEK, new Uint8Array([0xff, 0xfe]))), "NOT_UTF8"],
    ["a garbage PEM", () => api.Kek.fromPem("garbage"), "BAD_PEM"],
    ["a PEM with a corrupted body", () => api.Kek.fromPem(PEM.replace(/\n[A-Za-z0-9+/]{10}/, "\n##########")), "BAD_PEM"],
    ["a PEM with literal \\n", () => api.Kek.fromPem(PEM.replaceAll("\n", "\\n")), "BAD_PEM"],
    ["a public key PEM", () => api.Kek.fromPem(publicKey.export({ type: "spki", format: "pem" })), "NOT_A_PRIVATE_KEY"],
    ["an EC key (PKCS#8)", () => api.Kek.fromPem(EC_PEM), "NOT_RSA"],
    ["an EC key (SEC1)", () => api.Kek.fromPem(SEC1_PEM), "NOT_RSA"],
    ["a public KeyObject", () => api.Kek.fromKeyObject(publicKey), "NOT_A_PRIVATE_KEY"],
    ["a number as key", () => api.Kek.from(42), "BAD_ARGUMENT"],
    ["unwrap bad Base64", () => api.Kek.fromPem(PEM).unwrap("%%%%"), "BAD_BASE64"],
    ["unwrap a secretKey for a smaller key", () => api.Kek.fromPem(PEM).unwrap(Buffer.alloc(128, 1).toString("base64")), "UNWRAP_FAILED"],
    ["unwrap OAEP as PKCS#1 v1.5's other padding", () => api.Kek.fromPem(PEM).unwrap(wrap(publicKey, crypto.constants.RSA_PKCS1_PADDING), "oaep-sha256"), "UNWRAP_FAILED"],
    ["unwrap with an unknown padding", () => api.Kek.fromPem(PEM).unwrap(wrap(publicKey), "pkcs1"), "BAD_ARGUMENT"],
    ["unwrap a Buffer secretKey", () => api.Kek.fromPem(PEM).unwrap(Buffer.from(wrap(publicKey), "base64")), "BAD_ARGUMENT"],
  ];
}

/** [name, check] — each must hold without throwing. */
function acceptances(api) {
  const text = '{"b":1.10,"a":1, "z":"智"}';
  const expected = api.sign(parts({ timestamp: String(TS) }));
  return [
    ["a number timestamp signs like its string", () => api.sign(parts({ timestamp: TS })) === expected],
    ["a bigint and a Date timestamp sign like the string", () => api.sign(parts({ timestamp: BigInt(TS) })) === expected && api.sign(parts({ timestamp: new Date(TS) })) === expected],
    ["a 36-character nonce with a space inside is the platform's to take", () => api.sign(parts({ nonce: "a b" + "c".repeat(33) })).length > 0],
    ["a Buffer body signs like its text", () => api.sign(parts({ body: Buffer.from("{}") })) === expected],
    ["a Buffer secret and a secret KeyObject sign like the text", () =>
      api.sign(parts({ clientSecret: Buffer.from(SECRET) })) === expected &&
      api.sign(parts({ clientSecret: crypto.createSecretKey(Buffer.from(SECRET)) })) === expected],
    ["the signature is Node's createHmac, URL-encoded", () =>
      expected === encodeURIComponent(crypto.createHmac("sha256", SECRET).update(`${ID}HmacSHA256${TS}n-1{}`).digest("base64"))],
    ["verify takes the URL-encoded and the plain form", () => api.verify({ ...parts(), signature: expected }) && api.verify({ ...parts(), signature: decodeURIComponent(expected) }) && !api.verify({ ...parts({ body: "{ }" }), signature: expected })],
    ["a text body is sent verbatim", () => api.signedRequest({ clientId: ID, clientSecret: SECRET, body: text }).body === text],
    ["an encrypted text body holds the text verbatim", () => {
      const req = api.signedRequest({ clientId: ID, clientSecret: SECRET, body: text, cek: CEK });
      return api.decrypt(CEK, JSON.parse(req.body).content) === text;
    }],
    ["no body is the empty body, signed and never encrypted (getKey)", () => {
      const req = api.signedRequest({ clientId: ID, clientSecret: SECRET, cek: CEK });
      const { timestamp, nonce, signature } = req.headers;
      return req.body === "" && api.verify({ clientId: ID, clientSecret: SECRET, timestamp, nonce, signature }) && nonce.length === 32;
    }],
    ["timestamps never go back", () => {
      const a = Number(api.signedRequest({ clientId: ID, clientSecret: SECRET }).headers.timestamp);
      const b = Number(api.signedRequest({ clientId: ID, clientSecret: SECRET }).headers.timestamp);
      return b >= a && a > 1e12;
    }],
    ["the CEK as Base64, Buffer or KeyObject", () =>
      api.decrypt(CEK.toString("base64"), api.encrypt(CEK, "x")) === "x" &&
      api.decrypt(crypto.createSecretKey(CEK), api.encrypt(new Uint8Array(CEK), "x")) === "x"],
    ["the key as PKCS#8, PKCS#1, KeyObject; every padding", () => {
      const kek = api.Kek.fromPem(PEM);
      const same = (cek) => Buffer.from(cek).equals(CEK);
      return kek.bits === 2048 &&
        same(kek.unwrap(wrap(publicKey))) &&
        same(api.Kek.fromPem(PKCS1_PEM).unwrap(wrap(publicKey))) &&
        same(api.Kek.fromKeyObject(privateKey).unwrap(wrap(publicKey))) &&
        same(kek.unwrap(wrap(publicKey, crypto.constants.RSA_PKCS1_OAEP_PADDING, "sha256"), "oaep-sha256")) &&
        same(kek.unwrap(wrap(publicKey, crypto.constants.RSA_PKCS1_OAEP_PADDING, "sha1"), "oaep-sha1")) &&
        same(api.unwrapCek(PEM, wrap(publicKey)));
    }],
  ];
}

export async function run(sdk, label) {
  await sdk.ready;
  let passed = 0;
  let failed = 0;
  const apis = [["main", sdk], ["reference", sdk.reference]];
  for (const [which, api] of apis) {
    for (const [name, call, code] of refusals(api)) {
      let outcome;
      try {
        call();
        outcome = "no error";
      } catch (err) {
        if (!(err instanceof sdk.IamSmartEdgeError)) outcome = `${err && err.name}: ${err && err.message}`;
        else if (err.code !== code || !err.local) outcome = `${err.code} (${err.message})`;
      }
      if (outcome === undefined) passed++;
      else failed++;
      console.log(`${outcome === undefined ? "PASS" : "FAIL"} ${label} ${which}: ${name} -> ${code}${outcome === undefined ? "" : `, got ${outcome}`}`);
    }
    for (const [name, check] of acceptances(api)) {
      let ok;
      try {
        ok = check() === true;
      } catch (err) {
        ok = false;
        console.log(`  ${name} threw ${err && err.stack}`);
      }
      if (ok) passed++;
      else failed++;
      console.log(`${ok ? "PASS" : "FAIL"} ${label} ${which}: ${name}`);
    }
  }
  // The two backends agree byte for byte where both are deterministic, and open each other's output.
  let agree = true;
  for (let i = 0; i < 200 && agree; i++) {
    const p = parts({
      clientSecret: crypto.randomBytes(1 + (i % 40)).toString("base64"),
      nonce: crypto.randomBytes(1 + (i % 18)).toString("hex"),
      timestamp: TS + i,
      body: crypto.randomBytes(i * 7).toString("base64"),
    });
    const plain = crypto.randomBytes(i * 13).toString("hex");
    agree = sdk.sign(p) === sdk.reference.sign(p) &&
      sdk.decrypt(CEK, sdk.reference.encrypt(CEK, plain)) === plain &&
      sdk.reference.decrypt(CEK, sdk.encrypt(CEK, plain)) === plain;
  }
  if (agree) passed++;
  else failed++;
  console.log(`${agree ? "PASS" : "FAIL"} ${label}: main and reference agree on 200 random cases`);
  console.log(`${label}: ${passed} passed, ${failed} failed`);
  return failed;
}
