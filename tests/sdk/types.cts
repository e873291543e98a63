// The same declarations seen from CommonJS (`require`, through index.d.cts).

import edge = require("iamsmart-edge");

const kek: edge.Kek = edge.Kek.fromPem("-----BEGIN PRIVATE KEY-----");
const cek: Uint8Array = kek.unwrap("c2VjcmV0", "pkcs1v15");
// @ts-expect-error: unwrap returns bytes, not text
const text: string = kek.unwrap("c2VjcmV0");
export = { cek, text };
