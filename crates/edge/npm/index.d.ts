// Types of iamsmart-edge. They need no DOM library and no @types/node: a Node KeyObject and
// fetch are described by the little of them this package uses.

/** Codes of faults found on this side, before or without the platform. */
export type LocalErrorCode =
  | "BAD_ARGUMENT"
  | "BAD_TIMESTAMP"
  | "BAD_NONCE"
  | "BAD_BASE64"
  | "BAD_PEM"
  | "NOT_A_PRIVATE_KEY"
  | "NOT_RSA"
  | "CEK_LENGTH"
  | "IV_LENGTH"
  | "CONTENT_TOO_SHORT"
  | "AUTH_TAG_MISMATCH"
  | "UNWRAP_FAILED"
  | "NOT_UTF8"
  | "NOT_JSON"
  | "NO_KEY"
  | "NOT_READY"
  | "HTTP"
  | "BAD_RESPONSE";

/** A return code the platform answered with, such as `D20006` or `D30002`. */
export type PlatformErrorCode = `D${number}`;

/** Every error this package throws. */
export declare class IamSmartEdgeError extends Error {
  readonly name: "IamSmartEdgeError";
  /** A local fault's code, or the platform's D-code. */
  readonly code: LocalErrorCode | PlatformErrorCode;
  /** True for a fault found here; false when the platform answered with a D-code. */
  readonly local: boolean;
  /** The platform's transaction ID, for a D-code. */
  readonly txID?: string;
  /** The HTTP status, for an `HTTP` fault with an answer. */
  readonly status?: number;
}

/** Every local code, in one list. */
export declare const LOCAL_CODES: readonly LocalErrorCode[];

/** The RSA padding a CEK is wrapped with. The platform's is undocumented; PKCS#1 v1.5 is the default. */
export type Padding = "pkcs1v15" | "oaep-sha256" | "oaep-sha1";

/** The part of Node's `KeyObject` this package uses (secret keys and RSA private keys). */
export interface KeyObjectLike {
  readonly type: "secret" | "public" | "private";
  readonly asymmetricKeyType?: string;
  export(options?: object): Uint8Array | string;
}

/** Bytes in any common form; a string stands for its UTF-8. */
export type BytesInput = string | Uint8Array | ArrayBuffer | ArrayBufferView;
/** A timestamp: milliseconds since 1970 as a number, a bigint, a string of digits, or a Date. */
export type TimestampInput = number | bigint | string | Date;
/** A client secret: its text, its UTF-8 bytes, or (Node) a secret KeyObject. */
export type SecretInput = string | Uint8Array | KeyObjectLike;
/** A CEK: 32 bytes as Base64, as bytes, or (Node) a secret KeyObject. */
export type CekInput = string | Uint8Array | KeyObjectLike;
/** A business JSON object, or its text (sent verbatim). */
export type BodyInput = object | string | Uint8Array;

export interface SignatureParts {
  clientId: string;
  clientSecret: SecretInput;
  timestamp: TimestampInput;
  /** 1 to 36 printable ASCII characters. */
  nonce: string;
  /** The body exactly as sent; omit it for getKey and revokeKey. */
  body?: BytesInput;
}

/** The five signed headers and the content type. */
export interface SignedHeaders {
  clientID: string;
  signatureMethod: "HmacSHA256";
  timestamp: string;
  nonce: string;
  signature: string;
  "Content-Type": "application/json";
  [name: string]: string;
}

/** A request ready to POST: `fetch(url, { method: "POST", headers, body })`. */
export interface SignedRequest {
  headers: SignedHeaders;
  /** The body to send: the JSON text, `{"content":"…"}` when encrypted, or "" for no body. */
  body: string;
}

export interface SignedRequestOptions {
  clientId: string;
  clientSecret: SecretInput;
  /** The business JSON (object or text); omit it (getKey, revokeKey) for an empty body. */
  body?: BodyInput | null;
  /** With a CEK the body is encrypted into `{"content":"…"}`; without, it is sent in clear. */
  cek?: CekInput | null;
  /** Defaults to Date.now(), never going back within the process. */
  timestamp?: TimestampInput;
  /** Defaults to 32 random hex digits. */
  nonce?: string;
}

/** The e-service's RSA private key (its KEK), parsed once and reused for every unwrap. */
export declare class Kek {
  private constructor();
  /** From PEM: `PRIVATE KEY` (PKCS#8) or `RSA PRIVATE KEY` (PKCS#1). */
  static fromPem(pem: string | Uint8Array): Kek;
  /** From DER, PKCS#8 or PKCS#1. */
  static fromDer(der: Uint8Array): Kek;
  /** From a Node private KeyObject (Node only). */
  static fromKeyObject(key: KeyObjectLike): Kek;
  /** From any of the above, or a Kek. */
  static from(key: string | Uint8Array | KeyObjectLike | Kek): Kek;
  /** The modulus size in bits. */
  readonly bits: number;
  /** Unwraps a Base64 `secretKey` (from getKey or a callback) into the 32-byte CEK. */
  unwrap(secretKey: string, padding?: Padding): Uint8Array;
}

/** The functions of the package, over one backend. */
export interface EdgeApi {
  /** The URL-encoded Base64 HMAC-SHA256 `signature` header. */
  sign(parts: SignatureParts): string;
  /** Checks a `signature` (URL-encoded or plain Base64) in constant time. */
  verify(parts: SignatureParts & { signature: string }): boolean;
  /** Encrypts under the CEK with a fresh IV; returns the Base64 `content`. */
  encrypt(cek: CekInput, plaintext: BytesInput): string;
  /** Decrypts a Base64 `content` into text (UTF-8). */
  decrypt(cek: CekInput, content: string): string;
  /** Decrypts a Base64 `content` into bytes. */
  decryptBytes(cek: CekInput, content: string): Uint8Array;
  /** Decrypts a Base64 `content` and parses its JSON. */
  decryptJson(cek: CekInput, content: string): unknown;
  /** Unwraps a `secretKey`; a PEM string is parsed once and remembered. */
  unwrapCek(privateKey: string | Uint8Array | KeyObjectLike | Kek, secretKey: string, padding?: Padding): Uint8Array;
  /** Builds a complete signed (and, with a CEK, encrypted) request. */
  signedRequest(options: SignedRequestOptions): SignedRequest;
  /** 32 random hex digits. */
  randomNonce(): string;
  readonly Kek: typeof Kek;
  /** "node" (node:crypto) or "wasm" (the WebAssembly core). */
  readonly backend: "node" | "wasm";
}

export declare const sign: EdgeApi["sign"];
export declare const verify: EdgeApi["verify"];
export declare const encrypt: EdgeApi["encrypt"];
export declare const decrypt: EdgeApi["decrypt"];
export declare const decryptBytes: EdgeApi["decryptBytes"];
export declare const decryptJson: EdgeApi["decryptJson"];
export declare const unwrapCek: EdgeApi["unwrapCek"];
export declare const signedRequest: EdgeApi["signedRequest"];
export declare const randomNonce: EdgeApi["randomNonce"];
/** "node" (node:crypto, with the core for PKCS#1 v1.5) or "wasm" (the WebAssembly core alone). */
export declare const backend: "node" | "wasm";
/** The same API over the WebAssembly core only (what browsers run). */
export declare const reference: EdgeApi;
/** Resolves when the WebAssembly core is ready: at once under Node; await it in browsers. */
export declare const ready: Promise<void>;

/** Flows started by initiateRequest. */
export type Flow =
  | "profile"
  | "eme"
  | "stepup"
  | "signing"
  | "pdfSigning"
  | "anonymousEme"
  | "anonymousSigning"
  | "anonymousPdfSigning";
/** Anonymous flows, whose result is fetched with getResult. */
export type AnonymousFlow = "anonymousEme" | "anonymousSigning" | "anonymousPdfSigning";
export declare const FLOWS: Readonly<Record<Flow, string>>;
export declare const RESULTS: Readonly<Record<AnonymousFlow, string>>;

/** The part of `fetch` the client uses (the global one by default). */
export type FetchLike = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface ClientOptions {
  /** The platform's base URL, e.g. `http://127.0.0.1:8080` for the sandbox. */
  baseUrl: string;
  clientId: string;
  /** Keep it on your server: never put a client secret in a browser page. */
  clientSecret: SecretInput;
  /** `"encrypted"` (default, as on ITE and production) or `"plain"` (the 2020 pilot sandbox). */
  mode?: "encrypted" | "plain";
  /** Your KEK's private half: needed in encrypted mode. */
  privateKey?: string | Uint8Array | KeyObjectLike | Kek;
  padding?: Padding;
  fetch?: FetchLike;
  /** Extra headers on every call (e.g. the sandbox's `X-Sandbox-Persona`). */
  headers?: Record<string, string>;
  /** How often a call is retried with a fresh CEK after D30001-D30004 (default 1, at most 3). */
  retries?: number;
}

export interface QrOptions {
  redirectUri: string;
  /** Space-separated or an array; defaults to `eidapi_auth`. */
  scope?: string | string[];
  /** Defaults to `PC_Browser`. */
  source?: string;
  /** 1 to 36 ASCII letters, digits, `_` or `-`. */
  state?: string;
  lang?: "en-US" | "zh-HK" | "zh-CN";
  brokerPage?: boolean;
  /** For anonymous flows: the ticketID from initiateRequest. */
  ticketId?: string;
}

export interface Redirect {
  code?: string;
  state?: string;
  businessID?: string;
  errorCode?: string;
}

/** The `content` of getToken. */
export interface Token {
  accessToken: string;
  tokenType: "Bearer";
  issueAt: number;
  expiresIn: number;
  openID: string;
  lastModifiedDate: number;
  userType: "default" | "sign";
  scope: string;
}

/** The `content` of a logged-in initiateRequest. */
export interface Initiated {
  authByQR?: boolean;
  ticketID?: string;
  businessID?: string;
  [field: string]: unknown;
}

/** A callback, opened. */
export interface Callback<Content = Record<string, unknown>> {
  txID?: string;
  /** `D00000` when the user approved; the flow's own D-code otherwise. */
  code: string;
  message?: string;
  /** The decrypted business content (absent on most failures). */
  content: Content | null;
}

/** A thin iAM Smart client: getQR URLs, cached CEK, signed and encrypted calls, callbacks. */
export declare class IamSmartClient {
  constructor(options: ClientOptions);
  readonly clientId: string;
  readonly mode: "encrypted" | "plain";
  getQrUrl(options: QrOptions): string;
  parseRedirect(url: string | { toString(): string }): Redirect;
  /** The current CEK (cached until shortly before it expires); `force` always asks the platform. */
  getKey(options?: { force?: boolean }): Promise<Uint8Array>;
  revokeKey(): Promise<void>;
  getToken(code: string): Promise<Token>;
  initiateRequest(flow: Flow, business: object): Promise<Initiated>;
  getResult(flow: AnonymousFlow, business: object): Promise<Record<string, unknown>>;
  ackResult(business: { businessID: string; signingResult: "SR001" | "SR002" | "SR003" }): Promise<unknown>;
  /** Any signed POST; returns the decrypted `content`. */
  post(path: string, business: object): Promise<unknown>;
  /** Opens a POST callback body (text, bytes or parsed JSON) with the CEK in its secretKey. */
  openCallback<Content = Record<string, unknown>>(body: string | Uint8Array | object): Callback<Content>;
}
