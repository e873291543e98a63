// A thin iAM Smart client over the API: builds getQR URLs, keeps the CEK (getKey, cached,
// refreshed and retried on D30001-D30004), signs and encrypts every call, decrypts every
// answer, and opens callbacks. Transport is the platform's `fetch`, or one you pass.

import { IamSmartEdgeError, describe, fail } from "./errors.js";
import * as check from "./check.js";

/** The initiateRequest path of every flow. */
export const FLOWS = Object.freeze({
  profile: "/api/v1/account/auth/profile/initiateRequest",
  eme: "/api/v1/account/eme/initiateRequest",
  stepup: "/api/v1/account/stepup/initiateRequest",
  signing: "/api/v1/account/signing/initiateRequest",
  pdfSigning: "/api/v1/account/pdfsigning/initiateRequest",
  anonymousEme: "/api/v1/anonymous/eme/initiateRequest",
  anonymousSigning: "/api/v1/anonymous/signing/initiateRequest",
  anonymousPdfSigning: "/api/v1/anonymous/pdfsigning/initiateRequest",
});

/** The getResult path of each anonymous flow. */
export const RESULTS = Object.freeze({
  anonymousEme: "/api/v1/anonymous/eme/getResult",
  anonymousSigning: "/api/v1/anonymous/signing/getResult",
  anonymousPdfSigning: "/api/v1/anonymous/pdfsigning/getResult",
});

const KEY_CODES = ["D30001", "D30002", "D30003", "D30004"];
// A cached CEK is renewed this long before the platform says it expires.
const KEY_MARGIN_MS = 30_000;

/** The client class over `api` (one per entry point). */
export function makeClient(api, platform) {
  return class IamSmartClient {
    #base;
    #clientId;
    #secret;
    #mode;
    #kek;
    #padding;
    #fetch;
    #headers;
    #retries;
    #key;
    #keyExpiresAt = 0;
    #keyPromise;

    constructor(options) {
      if (options === null || typeof options !== "object") fail("BAD_ARGUMENT", `IamSmartClient takes an options object, got ${describe(options)}`);
      const o = options;
      if (typeof o.baseUrl !== "string" || !/^https?:\/\/[^/]/.test(o.baseUrl)) fail("BAD_ARGUMENT", "baseUrl must be an http(s) URL, such as http://127.0.0.1:8080");
      this.#base = o.baseUrl.replace(/\/+$/, "");
      this.#clientId = check.headerText("clientId", o.clientId);
      this.#secret = check.secret(o.clientSecret, platform);
      this.#mode = o.mode ?? "encrypted";
      if (this.#mode !== "encrypted" && this.#mode !== "plain") fail("BAD_ARGUMENT", `mode must be "encrypted" or "plain", got ${JSON.stringify(this.#mode)}`);
      this.#padding = check.padding(o.padding);
      if (o.privateKey !== undefined) this.#kek = api.Kek.from(o.privateKey);
      if (this.#mode === "encrypted" && !this.#kek) fail("BAD_ARGUMENT", "privateKey (your KEK's private half, PEM) is needed in encrypted mode");
      this.#fetch = o.fetch ?? globalThis.fetch;
      if (typeof this.#fetch !== "function") fail("BAD_ARGUMENT", "no fetch: pass options.fetch");
      this.#headers = { ...(o.headers ?? {}) };
      this.#retries = o.retries ?? 1;
      if (!Number.isInteger(this.#retries) || this.#retries < 0 || this.#retries > 3) fail("BAD_ARGUMENT", "retries must be 0, 1, 2 or 3");
    }

    get clientId() {
      return this.#clientId;
    }

    get mode() {
      return this.#mode;
    }

    /** The URL of the getQR page (login, or an anonymous flow with `ticketId`). */
    getQrUrl(options) {
      if (options === null || typeof options !== "object") fail("BAD_ARGUMENT", `getQrUrl takes an options object, got ${describe(options)}`);
      const { redirectUri, scope = "eidapi_auth", source = "PC_Browser", state, lang, brokerPage, ticketId } = options;
      if (typeof redirectUri !== "string" || redirectUri === "") fail("BAD_ARGUMENT", "redirectUri must be your registered redirect URI");
      const scopes = Array.isArray(scope) ? scope.join(" ") : scope;
      if (typeof scopes !== "string" || scopes === "") fail("BAD_ARGUMENT", "scope must be a string or an array of scope names");
      if (state !== undefined && (typeof state !== "string" || !/^[A-Za-z0-9_-]{1,36}$/.test(state))) {
        fail("BAD_ARGUMENT", "state must be 1 to 36 ASCII letters, digits, _ or -");
      }
      const query = [
        ["clientID", this.#clientId],
        ["responseType", "code"],
        ["source", source],
        ["redirectURI", redirectUri],
        ["scope", scopes],
        ["lang", lang],
        ["state", state],
        ["brokerPage", brokerPage === undefined ? undefined : String(brokerPage)],
        ["ticketID", ticketId],
      ];
      const q = query.filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
      return `${this.#base}/api/v1/auth/getQR?${q.join("&")}`;
    }

    /** Reads the redirect back from getQR: `{ code, state, businessID, errorCode }`. */
    parseRedirect(url) {
      let parsed;
      try {
        parsed = new URL(String(url), "http://localhost");
      } catch (cause) {
        fail("BAD_ARGUMENT", "not a URL", { cause });
      }
      const get = (name) => parsed.searchParams.get(name) ?? undefined;
      return { code: get("code"), state: get("state"), businessID: get("businessID"), errorCode: get("error_code") };
    }

    /** The current CEK, from the cache or a fresh getKey (`{ force: true }` always asks). */
    async getKey(options) {
      const force = options !== undefined && options.force === true;
      if (!force && this.#key && Date.now() < this.#keyExpiresAt) return this.#key;
      if (!this.#kek) fail("BAD_ARGUMENT", "getKey needs privateKey to unwrap the CEK");
      this.#keyPromise ??= this.#fetchKey().finally(() => {
        this.#keyPromise = undefined;
      });
      return this.#keyPromise;
    }

    async #fetchKey() {
      const grant = await this.#call("/api/v1/security/getKey", undefined, false);
      if (!grant || typeof grant.secretKey !== "string") fail("BAD_RESPONSE", "getKey answered without secretKey");
      const cek = this.#kek.unwrap(grant.secretKey, this.#padding);
      const issueAt = Number(grant.issueAt) || Date.now();
      const expiresIn = Number(grant.expiresIn) || 0;
      // One published sample gives expiresIn as a point in time; the platform's own text says a lifetime.
      const expiresAt = expiresIn > 1e12 ? expiresIn : issueAt + expiresIn;
      this.#key = cek;
      this.#keyExpiresAt = Math.min(expiresAt, Date.now() + expiresIn) - KEY_MARGIN_MS;
      return cek;
    }

    /** Revokes the CEK; the next call fetches a new one. */
    async revokeKey() {
      await this.#call("/api/v1/security/revokeKey", undefined, false);
      this.#key = undefined;
      this.#keyExpiresAt = 0;
    }

    /** Exchanges an authorisation code for the access token and the user's openID. */
    async getToken(code) {
      if (typeof code !== "string" || code === "") fail("BAD_ARGUMENT", "code must be the authorisation code from the redirect");
      return this.post("/api/v1/auth/getToken", { code, grantType: "authorization_code" });
    }

    /** Starts a flow (`profile`, `eme`, `stepup`, `signing`, `pdfSigning` or an anonymous one). */
    async initiateRequest(flow, business) {
      const path = Object.hasOwn(FLOWS, flow) ? FLOWS[flow] : undefined;
      if (!path) fail("BAD_ARGUMENT", `unknown flow ${JSON.stringify(flow)}: one of ${Object.keys(FLOWS).join(", ")}`);
      return this.post(path, business);
    }

    /** Fetches the result of an anonymous flow. */
    async getResult(flow, business) {
      const path = Object.hasOwn(RESULTS, flow) ? RESULTS[flow] : undefined;
      if (!path) fail("BAD_ARGUMENT", `getResult is for ${Object.keys(RESULTS).join(", ")}, not ${JSON.stringify(flow)}`);
      return this.post(path, business);
    }

    /** Acknowledges a signing result (`SR001` accepted, `SR002` rejected, `SR003` not received). */
    async ackResult(business) {
      return this.post("/api/v1/account/signing/ackResult", business);
    }

    /** Any signed POST: `business` is encrypted in encrypted mode; returns the opened `content`. */
    async post(path, business) {
      if (typeof path !== "string" || !path.startsWith("/")) fail("BAD_ARGUMENT", "path must start with /");
      if (business === undefined || business === null) fail("BAD_ARGUMENT", "business must be the request's JSON object (only getKey and revokeKey have no body)");
      check.body(business);
      return this.#call(path, business, this.#mode === "encrypted");
    }

    async #call(path, business, encrypted) {
      for (let attempt = 0; ; attempt++) {
        const cek = encrypted ? await this.getKey() : undefined;
        const req = api.signedRequest({ clientId: this.#clientId, clientSecret: this.#secret, body: business, cek });
        const envelope = await this.#send(path, req);
        if (envelope.code === "D00000") return this.#open(envelope.content);
        if (encrypted && KEY_CODES.includes(envelope.code) && attempt < this.#retries) {
          this.#key = undefined;
          this.#keyExpiresAt = 0;
          continue;
        }
        throw new IamSmartEdgeError(envelope.code, `${path}: ${envelope.code} ${envelope.message ?? ""}`.trim(), { txID: envelope.txID });
      }
    }

    async #send(path, req) {
      let res;
      try {
        res = await this.#fetch(this.#base + path, { method: "POST", headers: { ...this.#headers, ...req.headers }, body: req.body });
      } catch (cause) {
        fail("HTTP", `${path}: the request did not complete (${cause && cause.message})`, { cause });
      }
      const text = await res.text();
      if (res.status !== 200) fail("HTTP", `${path} answered HTTP ${res.status}: ${text.slice(0, 200)}`, { status: res.status });
      let envelope;
      try {
        envelope = JSON.parse(text);
      } catch (cause) {
        fail("BAD_RESPONSE", `${path} answered something that is not JSON`, { cause });
      }
      if (!envelope || typeof envelope.code !== "string") fail("BAD_RESPONSE", `${path} answered JSON without a code`);
      return envelope;
    }

    #open(content, cek = this.#key) {
      if (typeof content !== "string" || content === "") return content ?? null;
      if (!cek) fail("NO_KEY", "the content is encrypted but no CEK is known: call getKey first");
      return api.decryptJson(cek, content);
    }

    /**
     * Opens a POST callback (its raw body, or the object your framework parsed): unwraps the
     * CEK in `secretKey` and decrypts `content` with it. Returns `{ txID, code, message,
     * content }`; `code` is the outcome the user chose (D00000 approved), so check it.
     *
     * The callback's key opens that callback only and never becomes the key of outgoing
     * calls: callbacks are not signed, and anyone who knows your public KEK can wrap a key of
     * their own. If the platform has moved to a new CEK, the next call gets D3000x and the
     * client fetches it.
     */
    openCallback(body) {
      let envelope = body;
      if (typeof body === "string" || body instanceof Uint8Array) {
        const text = check.text("callback body", body);
        try {
          envelope = JSON.parse(text);
        } catch (cause) {
          fail("NOT_JSON", "the callback body is not JSON", { cause });
        }
      }
      if (envelope === null || typeof envelope !== "object" || typeof envelope.code !== "string") {
        fail("BAD_ARGUMENT", "a callback is a JSON object with a code");
      }
      let cek = this.#key;
      if (typeof envelope.secretKey === "string" && envelope.secretKey !== "") {
        if (!this.#kek) fail("BAD_ARGUMENT", "this callback carries a secretKey: the client needs privateKey");
        cek = this.#kek.unwrap(envelope.secretKey, this.#padding);
      }
      const { txID, code, message } = envelope;
      return { txID, code, message, content: this.#open(envelope.content, cek) };
    }
  };
}

