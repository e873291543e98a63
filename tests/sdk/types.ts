// A TypeScript consumer, compiled with --strict and no DOM or Node types: the declarations
// must be complete on their own, and precise enough to refuse the mistakes marked below.

import { IamSmartClient, IamSmartEdgeError, Kek, encrypt, decryptJson, sign, signedRequest, type Padding, type SignedRequest, type Token } from "iamsmart-edge";

const request: SignedRequest = signedRequest({ clientId: "id", clientSecret: "secret", body: { code: "c", grantType: "authorization_code" } });
const method: "HmacSHA256" = request.headers.signatureMethod;
const signature: string = sign({ clientId: "id", clientSecret: "secret", timestamp: Date.now(), nonce: "n", body: request.body });
const padding: Padding = "oaep-sha256";
const content: string = encrypt(new Uint8Array(32), "{}");
const opened: unknown = decryptJson("key", content);

// @ts-expect-error: the timestamp is not a boolean
sign({ clientId: "id", clientSecret: "s", timestamp: true, nonce: "n" });
// @ts-expect-error: there is no such padding
const wrong: Padding = "pkcs1";
// @ts-expect-error: Kek has no public constructor
new Kek();

async function login(client: IamSmartClient, code: string): Promise<string> {
  try {
    const token: Token = await client.getToken(code);
    const initiated = await client.initiateRequest("profile", { businessID: "b", accessToken: token.accessToken });
    // @ts-expect-error: no such flow
    await client.initiateRequest("profiles", {});
    return `${token.openID} ${initiated.ticketID ?? ""}`;
  } catch (err) {
    if (err instanceof IamSmartEdgeError && err.local === false && err.code === "D40004") return "expired";
    throw err;
  }
}

const client = new IamSmartClient({ baseUrl: "http://127.0.0.1:8080", clientId: "id", clientSecret: "s", mode: "plain" });
const callback = client.openCallback<{ businessID: string }>('{"code":"D00000"}');
const businessID: string | undefined = callback.content?.businessID;
export { method, signature, padding, opened, wrong, login, businessID };
