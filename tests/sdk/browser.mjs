// The journeys through iamsmart-edge's browser entry (everything in WebAssembly, loaded
// asynchronously), bundled by esbuild for the browser platform and run under Node.
// Usage: node browser.mjs BASE_URL ADMIN_TOKEN LABEL

import * as sdk from "iamsmart-edge";
import { run as journey } from "./journey.mjs";

const [base, adminToken, label] = process.argv.slice(2);
console.log(`${label}: backend ${sdk.backend}`);
process.exitCode = (await journey(sdk, { base, adminToken, label })) > 0 ? 1 : 0;
