//! Tests of the mock platform, run through the engine's public entry points.
//!
//! Every test drives a [`util::Sandbox`]: one engine over a [`MemoryStore`](super::MemoryStore),
//! a seeded RNG, a virtual clock, and an e-service that signs, seals and opens its traffic the
//! way a real integrator does.

// The harness: an e-service and a phone around one engine.
pub(crate) mod util;

// The four user journeys, end to end.
mod journeys;
// Each endpoint's happy path, in plain and encrypted mode.
mod endpoints;
// The codes of the request checks, one rule per test.
mod codes;
// The codes of outcomes: refusals, authorisation codes, signer rules, acknowledgements.
mod outcomes;
// Tickets, the app's actions, expiry and delayed approval.
mod app;
// Personas, clients and the store.
mod data;
