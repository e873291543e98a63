// The search loader (see search.rs), shared with `cargo xtask search-vs-pagefind`. Every page
// loads this file, so it stays small: no search bytes until loadSearch() is called.
let loading, warming;

// The engine with the index open; downloads on the first call. Then warms up at idle time.
export function loadSearch() {
  loading ??= Promise.all([
    import("/search/search_wasm.js").then(async (m) => {
      // A URL: compiled with instantiateStreaming while it downloads.
      await m.default({ module_or_path: "/search/search_wasm_bg.wasm" });
      return m;
    }),
    fetch("/search/index.bin").then((r) => {
      if (!r.ok) throw new Error(`/search/index.bin: HTTP ${r.status}`);
      return r.arrayBuffer();
    }),
  ]).then(([m, blob]) => {
    m.init(new Uint8Array(blob));
    warming = warmUpAtIdle((step) => m.warm_up(step) !== undefined);
    return m;
  }).catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

// Resolves to each warm-up pass's time in ms once the warm-up is over; undefined before.
export function searchWarmedUp() {
  return warming;
}

export function runSearch(m, query, lang, limit) {
  return m.search(query, lang, "", limit);
}

const PASSES = 2;
// Steps run for at most SLICE_MS per idle period, while it has SLICE_MS left.
const SLICE_MS = 8;
const idle = globalThis.requestIdleCallback
  ? () => new Promise((resolve) => requestIdleCallback(resolve, { timeout: 500 }))
  : () => new Promise((resolve) => setTimeout(resolve, 20));

// Calls step(0), step(1), ... at idle time until one returns (or resolves to) false, PASSES
// times; resolves to the ms each pass spent in step.
export async function warmUpAtIdle(step) {
  const passes = [];
  try {
    while (passes.length < PASSES) {
      let ms = 0, deadline, slice = -Infinity;
      for (let i = 0; ; i++) {
        if (performance.now() - slice > SLICE_MS || !(deadline?.timeRemaining() > SLICE_MS)) {
          deadline = await idle();
          slice = performance.now();
        }
        const t = performance.now();
        const more = await step(i);
        ms += performance.now() - t;
        if (!more) break;
      }
      passes.push(ms);
    }
  } catch (e) {
    console.warn("search warm-up stopped:", e); // it only saves time
  }
  return passes;
}
