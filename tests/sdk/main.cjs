// The same as main.mjs, with iamsmart-edge loaded by require() in a CommonJS project.
// Usage: node main.cjs BASE_URL ADMIN_TOKEN LABEL

const sdk = require("iamsmart-edge");

const [base, adminToken, label] = process.argv.slice(2);
console.log(`${label}: backend ${sdk.backend}, resolved ${require.resolve("iamsmart-edge").split("node_modules/")[1]}`);
(async () => {
  const { run: badInputs } = await import("./bad_inputs.mjs");
  const { run: journey } = await import("./journey.mjs");
  process.exitCode = (await badInputs(sdk, label)) + (await journey(sdk, { base, adminToken, label })) > 0 ? 1 : 0;
})();
