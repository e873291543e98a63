// The e-service journeys and the bad-input cases, run with iamsmart-edge imported as an ES
// module (from an installed tarball, or bundled by esbuild).
// Usage: node main.mjs BASE_URL ADMIN_TOKEN LABEL

import * as sdk from "iamsmart-edge";
import { run as journey } from "./journey.mjs";
import { run as badInputs } from "./bad_inputs.mjs";

const [base, adminToken, label] = process.argv.slice(2);
console.log(`${label}: backend ${sdk.backend}`);
process.exitCode = (await badInputs(sdk, label)) + (await journey(sdk, { base, adminToken, label })) > 0 ? 1 : 0;
