//! The global search box: `/` focuses it, results appear as you type, Esc closes them.
//!
//! The search engine (`/search/search_wasm.js` and its WASM, built from `crates/search-wasm`) and
//! the index (`/search/index.bin`) are loaded on the first focus or keystroke, not before: a page
//! that never searches downloads no search bytes. The loader (`search.js`) runs once; later
//! calls get the same module. `cargo xtask search-vs-pagefind` serves the same file to its
//! harness, so the benchmark loads and warms the engine exactly as the portal does.
//!
//! The warm-up: the browser compiles WASM lazily, each function the first time it runs, and
//! compiles the hot ones again, optimised, in the background while they keep running; until then
//! a query can take ten times as long. So once the index is open, the loader runs the engine's
//! own warm-up queries (`warm_up(step)` in `crates/search-wasm`: phrases in both languages typed
//! keystroke by keystroke, through prefixes, typos, CJK and snippets) at idle time, in slices of
//! at most 8 ms (`requestIdleCallback`, or a timer where it is missing), so a keystroke never
//! waits long behind them. Two passes: the first compiles what queries need, the second gets the
//! hottest functions optimised (the biggest of those compilations take a core for 100-200 ms, in
//! the background). More passes buy little: a Chromium trace shows the browser optimising a
//! trickle of colder functions (some 40 per thousand queries) however long the warm-up runs.

use std::time::Duration;

use leptos::{ev, html, prelude::*, task::spawn_local};
use leptos_router::hooks::{use_location, use_navigate};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::{
    i18n::{Lang, tr},
    kb::use_kb,
    slides::typing,
};

#[wasm_bindgen(module = "/src/search.js")]
extern "C" {
    #[wasm_bindgen(js_name = loadSearch)]
    fn load_search() -> js_sys::Promise;
    #[wasm_bindgen(js_name = runSearch, catch)]
    fn run_search(module: &JsValue, query: &str, lang: &str, limit: u32)
    -> Result<String, JsValue>;
}

/// How long typing must pause before the query runs.
const DEBOUNCE: Duration = Duration::from_millis(120);
const LIMIT: u32 = 8;

/// One result as `search-wasm` returns it (the fields of `search::Hit` the box shows).
#[derive(Debug, Clone, Deserialize)]
struct Hit {
    url: String,
    title: String,
    section: String,
    /// Escaped text with `<mark>` around the matches.
    snippet: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Idle,
    Loading,
    Ready,
    Failed,
}

/// The box's state: all signals, so it is `Copy` and every handler can hold it.
#[derive(Debug, Clone, Copy)]
struct Search {
    lang: RwSignal<Lang>,
    query: RwSignal<String>,
    hits: RwSignal<Vec<Hit>>,
    /// The query the hits answer.
    answered: RwSignal<String>,
    /// Whether the engine is loaded; `Failed` only if loading failed (it is retried).
    status: RwSignal<Status>,
    open: RwSignal<bool>,
    active: RwSignal<Option<usize>>,
    /// Bumped by every keystroke; a query whose number is no longer current is dropped.
    generation: StoredValue<u64>,
}

impl Search {
    fn schedule(self) {
        let generation = self.generation.get_value() + 1;
        self.generation.set_value(generation);
        set_timeout(move || spawn_local(self.run(generation)), DEBOUNCE);
    }

    async fn run(self, generation: u64) {
        let query = self.query.get_untracked();
        if generation != self.generation.get_value() || query.trim().is_empty() {
            return;
        }
        let Some(module) = self.load().await else {
            return;
        };
        if generation != self.generation.get_value() {
            return;
        }
        let lang = self.lang.get_untracked().code();
        let hits = run_search(&module, &query, lang, LIMIT)
            .map_err(|e| format!("{e:?}"))
            .and_then(|json| serde_json::from_str::<Vec<Hit>>(&json).map_err(|e| e.to_string()));
        match hits {
            Ok(hits) => {
                self.hits.set(hits);
                self.answered.set(query);
                self.active.set(None);
            }
            // A query the engine rejects has no results; the next keystroke tries again.
            Err(err) => {
                leptos::logging::error!("search for {query:?} failed: {err}");
                self.hits.set(Vec::new());
                self.answered.set(query);
            }
        }
    }

    /// Loads the engine and the index (the first call downloads them).
    async fn load(self) -> Option<JsValue> {
        if self.status.get_untracked() != Status::Ready {
            self.status.set(Status::Loading);
        }
        match JsFuture::from(load_search()).await {
            Ok(module) => {
                self.status.set(Status::Ready);
                Some(module)
            }
            Err(err) => {
                leptos::logging::error!("cannot load the search: {err:?}");
                self.status.set(Status::Failed);
                None
            }
        }
    }

    fn close(self) {
        self.open.set(false);
        self.active.set(None);
    }
}

#[component]
pub fn SearchBox() -> impl IntoView {
    let kb = use_kb();
    let s = Search {
        lang: kb.lang,
        query: RwSignal::new(String::new()),
        hits: RwSignal::new(Vec::new()),
        answered: RwSignal::new(String::new()),
        status: RwSignal::new(Status::Idle),
        open: RwSignal::new(false),
        active: RwSignal::new(None),
        generation: StoredValue::new(0),
    };
    let input = NodeRef::<html::Input>::new();
    let container = NodeRef::<html::Div>::new();

    // Search again in the new language; close when the page changes.
    Effect::new(move |previous: Option<()>| {
        kb.lang.track();
        if previous.is_some() {
            s.schedule();
        }
    });
    let location = use_location();
    Effect::new(move || {
        location.pathname.track();
        location.hash.track();
        s.close();
    });

    // `/` anywhere but in a text field focuses the box; a click elsewhere closes it.
    let slash = window_event_listener(ev::keydown, move |ev| {
        let plain = !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key();
        if ev.key() == "/"
            && plain
            && !typing(&ev)
            && let Some(input) = input.get_untracked()
        {
            ev.prevent_default();
            let _ = input.focus();
        }
    });
    let outside = window_event_listener(ev::pointerdown, move |ev| {
        let inside = container.get_untracked().zip(ev.target()).is_some_and(|(c, t)| {
            t.dyn_ref::<web_sys::Node>().is_some_and(|node| c.contains(Some(node)))
        });
        if !inside {
            s.close();
        }
    });
    on_cleanup(move || {
        slash.remove();
        outside.remove();
    });

    let navigate = use_navigate();
    let on_keydown = move |ev: web_sys::KeyboardEvent| {
        let n = s.hits.with_untracked(Vec::len);
        match ev.key().as_str() {
            "Escape" => {
                s.close();
                if let Some(input) = input.get_untracked() {
                    let _ = input.blur();
                }
            }
            "ArrowDown" if n > 0 => {
                s.open.set(true);
                s.active.update(|a| *a = Some(a.map_or(0, |i| (i + 1) % n)));
            }
            "ArrowUp" if n > 0 => {
                s.active.update(|a| *a = Some(a.map_or(n - 1, |i| (i + n - 1) % n)));
            }
            "Enter" => {
                let i = s.active.get_untracked().unwrap_or(0);
                if let Some(url) = s.hits.with_untracked(|h| h.get(i).map(|h| h.url.clone())) {
                    navigate(&url, Default::default());
                    s.close();
                }
            }
            _ => return,
        }
        ev.prevent_default();
    };

    let results = move || {
        let ui = kb.ui();
        let query = s.query.get();
        if s.status.get() == Status::Failed {
            return view! { <li class="search-note">{ui.search_failed}</li> }.into_any();
        }
        let hits = s.hits.get();
        if hits.is_empty() {
            let note = if s.answered.get() == query {
                ui.search_none
            } else if s.status.get() == Status::Loading {
                ui.search_loading
            } else {
                ""
            };
            return view! { <li class="search-note">{note}</li> }.into_any();
        }
        hits.into_iter()
            .enumerate()
            .map(|(i, hit)| {
                let active = move || s.active.get() == Some(i);
                view! {
                    <li>
                        <a
                            href=hit.url
                            class="hit"
                            class:active=active
                            on:click=move |_| s.close()
                        >
                            <span class="hit-title">{hit.title}</span>
                            <span class="hit-section">{ui.section(&hit.section)}</span>
                            <span class="hit-snippet" inner_html=hit.snippet></span>
                        </a>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };

    view! {
        <div class="search" role="search" node_ref=container>
            <input
                type="search"
                id="search"
                node_ref=input
                autocomplete="off"
                spellcheck="false"
                placeholder=tr(|ui| ui.search_placeholder)
                aria-label=tr(|ui| ui.search_label)
                aria-controls="search-results"
                aria-expanded=move || s.open.get().to_string()
                prop:value=s.query
                on:focus=move |_| {
                    s.open.set(true);
                    spawn_local(async move {
                        let _ = s.load().await;
                    });
                }
                on:input=move |ev| {
                    s.query.set(event_target_value(&ev));
                    s.open.set(true);
                    s.schedule();
                }
                on:keydown=on_keydown
            />
            <Show when=move || s.open.get() && !s.query.with(|q| q.trim().is_empty())>
                <ul id="search-results" class="search-results">
                    {results}
                </ul>
            </Show>
        </div>
    }
}
