// An e-service written with iamsmart-edge's client, run against a real sandbox: it registers
// itself, receives callbacks on its own small HTTP server, logs in through getQR, asks for a
// profile and opens the callback, in plain and in encrypted mode. In encrypted mode it also
// sees the client renew a CEK revoked behind its back (D30002, then getKey and a retry). The
// SDK comes in as an argument, so one script serves the ESM, CommonJS and bundled projects.
// It also runs e-ME, hash signing with its acknowledgement, and an anonymous e-ME flow
// (initiateRequest, getQR with the ticket, getToken, getResult).
//
// run(sdk, { base, adminToken }) prints one line per check and resolves to the number of
// failures.

import * as http from "node:http";
import * as crypto from "node:crypto";

const PERSONA = "chan-tai-man";
const SCOPES = "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign eidapi_fr";

class Failed extends Error {}

function expect(condition, what) {
  if (!condition) throw new Failed(what);
}

/** A loopback HTTP server that keeps the body of every POST it receives. */
async function inbox() {
  const bodies = [];
  const waiting = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      res.writeHead(200, { "Content-Type": "application/json" }).end('{"received":true}');
      if (req.method !== "POST") return;
      const body = Buffer.concat(chunks).toString("utf8");
      const next = waiting.shift();
      if (next) next(body);
      else bodies.push(body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/callback`,
    next: () =>
      bodies.length > 0
        ? Promise.resolve(bodies.shift())
        : new Promise((resolve, reject) => {
            waiting.push(resolve);
            setTimeout(() => reject(new Failed("no callback within 20 s")), 20_000).unref();
          }),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

async function admin(base, adminToken, path, body) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { Authorization: `Bearer ${adminToken}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status === 200 || res.status === 201, `${path} answered ${res.status}: ${text}`);
  return JSON.parse(text);
}

async function journey(sdk, { base, adminToken }, mode, report) {
  const callbacks = await inbox();
  try {
    const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" });
    const secret = crypto.randomBytes(20).toString("hex");
    const registered = await admin(base, adminToken, "/sandbox/admin/clients", {
      name: `JavaScript SDK e-service (${mode})`,
      secret,
      redirectURIs: [callbacks.url],
      scopes: SCOPES,
      contentMode: mode,
      kek: publicKey.export({ type: "spki", format: "pem" }),
    });
    const clientId = registered.clientID;
    await admin(base, adminToken, `/sandbox/admin/clients/${clientId}/settings`, { autoAnswer: "approve", persona: PERSONA });
    const options = { baseUrl: base, clientId, clientSecret: secret, mode, privateKey: mode === "encrypted" ? pem : undefined };
    const client = new sdk.IamSmartClient(options);

    let token;
    await report("login", async () => {
      const state = "st-" + crypto.randomBytes(6).toString("hex");
      const url = client.getQrUrl({ redirectUri: callbacks.url, scope: SCOPES, state, lang: "en-US" });
      const res = await fetch(url, { redirect: "manual", headers: { "X-Sandbox-Auto": "approve", "X-Sandbox-Persona": PERSONA } });
      expect(res.status === 303, `getQR answered ${res.status}, not 303`);
      const back = client.parseRedirect(res.headers.get("location"));
      expect(back.state === state && back.code, `redirect ${res.headers.get("location")}`);
      token = await client.getToken(back.code);
      expect(token.tokenType === "Bearer" && token.openID && token.accessToken, `token ${JSON.stringify(token)}`);
      // The code is single use: the platform's refusal arrives as a typed error with its D-code.
      const again = await client.getToken(back.code).then(() => undefined, (err) => err);
      expect(again instanceof sdk.IamSmartEdgeError && again.code === "D40004" && again.local === false, `reused code gave ${again}`);
    });

    await report("profile and its callback", async () => {
      const businessID = "js-profile-" + crypto.randomBytes(4).toString("hex");
      const initiated = await client.initiateRequest("profile", {
        businessID,
        accessToken: token.accessToken,
        openID: token.openID,
        source: "PC_Browser",
        redirectURI: callbacks.url,
        state: "st-" + businessID,
        profileFields: ["idNo", "enName", "birthDate"],
      });
      expect(typeof initiated.authByQR === "boolean", `initiateRequest answered ${JSON.stringify(initiated)}`);
      const callback = client.openCallback(await callbacks.next());
      expect(callback.code === "D00000", `callback code ${callback.code}`);
      expect(callback.content.businessID === businessID, `callback for ${callback.content.businessID}`);
      expect(callback.content.idNo.Identification === "K512783", `idNo ${JSON.stringify(callback.content.idNo)}`);
    });

    const loggedIn = (prefix, fields) => ({
      businessID: `${prefix}-${crypto.randomBytes(4).toString("hex")}`,
      accessToken: token.accessToken,
      openID: token.openID,
      source: "PC_Browser",
      redirectURI: callbacks.url,
      ...fields,
    });

    await report("e-ME and its callback", async () => {
      const business = loggedIn("js-eme", { eMEFields: ["mobileNumber"], formName: "Move house" });
      await client.initiateRequest("eme", business);
      const callback = client.openCallback(await callbacks.next());
      expect(callback.code === "D00000" && callback.content.businessID === business.businessID, `e-ME callback ${JSON.stringify(callback)}`);
      expect(typeof callback.content.mobileNumber.SubscriberNumber === "string", `mobileNumber ${JSON.stringify(callback.content)}`);
    });

    await report("hash signing, verified, and acknowledged", async () => {
      const digest = crypto.createHash("sha256").update("Application form, signed by the JavaScript e-service").digest();
      const hkicHash = crypto.createHash("sha256").update("K512783").digest("base64");
      const business = loggedIn("js-sign", { hashCode: digest.toString("base64"), HKICHash: hkicHash, serviceName: "JS test service", documentName: "Application form" });
      await client.initiateRequest("signing", business);
      const callback = client.openCallback(await callbacks.next());
      expect(callback.code === "D00000", `signing callback ${callback.code}`);
      const cert = new crypto.X509Certificate(Buffer.from(callback.content.cert, "base64"));
      const ok = crypto.createVerify("sha256").update(digest).verify(cert.publicKey, Buffer.from(callback.content.signature, "base64"));
      expect(ok, "the signature does not verify against the returned certificate");
      await client.ackResult({ businessID: business.businessID, signingResult: "SR001" });
    });

    await report("anonymous e-ME: initiateRequest, getQR with the ticket, getToken, getResult", async () => {
      const businessID = "js-anon-" + crypto.randomBytes(4).toString("hex");
      const initiated = await client.initiateRequest("anonymousEme", { businessID, eMEFields: ["emailAddress"] });
      expect(typeof initiated.ticketID === "string", `anonymous initiateRequest answered ${JSON.stringify(initiated)}`);
      const url = client.getQrUrl({ redirectUri: callbacks.url, scope: SCOPES, ticketId: initiated.ticketID });
      const res = await fetch(url, { redirect: "manual", headers: { "X-Sandbox-Auto": "approve", "X-Sandbox-Persona": PERSONA } });
      const back = client.parseRedirect(res.headers.get("location"));
      expect(res.status === 303 && back.code && back.businessID === businessID, `anonymous redirect ${res.status} ${res.headers.get("location")}`);
      const anonymous = await client.getToken(back.code);
      const result = await client.getResult("anonymousEme", { businessID, accessToken: anonymous.accessToken, openID: anonymous.openID });
      expect(result.businessID === businessID && typeof result.emailAddress === "string", `getResult answered ${JSON.stringify(result)}`);
    });

    if (mode === "encrypted") {
      await report("a CEK revoked elsewhere is renewed (D30002, getKey, retry)", async () => {
        const other = new sdk.IamSmartClient(options);
        await other.revokeKey();
        const initiated = await client.initiateRequest("stepup", {
          businessID: "js-stepup-" + crypto.randomBytes(4).toString("hex"),
          accessToken: token.accessToken,
          openID: token.openID,
          source: "PC_Browser",
          redirectURI: callbacks.url,
        });
        expect(typeof initiated.authByQR === "boolean", `stepup answered ${JSON.stringify(initiated)}`);
        const callback = client.openCallback(JSON.parse(await callbacks.next()));
        expect(callback.code === "D00000", `stepup callback code ${callback.code}`);
      });
    }
  } finally {
    await callbacks.close();
  }
}

export async function run(sdk, options) {
  await sdk.ready;
  let passed = 0;
  let failed = 0;
  for (const mode of ["plain", "encrypted"]) {
    const report = async (name, check) => {
      try {
        await check();
        passed++;
        console.log(`PASS ${options.label} ${mode}: ${name}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${options.label} ${mode}: ${name}: ${err && err.stack}`);
      }
    };
    await report("set-up and journey", () => journey(sdk, options, mode, report));
  }
  console.log(`${options.label}: ${passed} passed, ${failed} failed`);
  return failed;
}
