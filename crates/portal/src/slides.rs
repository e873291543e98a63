//! The slide viewer of the Use Cases decks: one slide at a time, previous and next buttons, the
//! ← and → keys, a counter, and the URL's `#<slide id>` as the single source of the position, so
//! every slide can be linked to and the back button leaves the deck.

use std::sync::Arc;

use content::Page;
use leptos::{ev, prelude::*};
use leptos_router::{
    NavigateOptions,
    hooks::{use_location, use_navigate},
};
use wasm_bindgen::JsCast as _;

use crate::{doc::current_fragment, kb::use_kb};

/// A deck: the intro, then the slide the URL names (the first if it names none).
#[component]
pub fn SlideViewer(
    /// A page of kind `slides`; its parts are the slides.
    page: Page,
) -> impl IntoView {
    let ui = use_kb().lang.get_untracked().ui();
    let parts = Arc::new(page.parts);
    let n = parts.len();
    let hash = use_location().hash;
    let current = Memo::new({
        let parts = Arc::clone(&parts);
        move |_| {
            let id = current_fragment(&hash.get());
            parts.iter().position(|p| p.id == id).unwrap_or(0)
        }
    });

    // Moving rewrites the fragment (replacing the history entry) and `current` follows.
    let navigate = use_navigate();
    let go = {
        let (parts, url) = (Arc::clone(&parts), page.url.clone());
        move |i: usize| {
            if let Some(part) = parts.get(i) {
                let options =
                    NavigateOptions { replace: true, scroll: false, ..Default::default() };
                navigate(&format!("{url}#{}", part.id), options);
            }
        }
    };
    let step = {
        let go = go.clone();
        move |forward: bool| {
            let i = current.get_untracked();
            match forward {
                true if i + 1 < n => go(i + 1),
                false if i > 0 => go(i - 1),
                _ => {}
            }
        }
    };
    let keys = window_event_listener(ev::keydown, {
        let step = step.clone();
        move |ev: web_sys::KeyboardEvent| {
            if ev.alt_key() || ev.ctrl_key() || ev.meta_key() || typing(&ev) {
                return;
            }
            match ev.key().as_str() {
                "ArrowLeft" => step(false),
                "ArrowRight" => step(true),
                _ => return,
            }
            ev.prevent_default();
        }
    });
    on_cleanup(move || keys.remove());

    let slide = {
        let parts = Arc::clone(&parts);
        move || {
            parts.get(current.get()).map(|part| {
                view! {
                    <h2 class="slide-title">{part.title.clone()}</h2>
                    <div class="prose slide-body" inner_html=part.html.clone()></div>
                }
            })
        }
    };
    let counter = move || {
        ui.slide_counter
            .replace("{n}", &(current.get() + 1).to_string())
            .replace("{total}", &n.to_string())
    };
    let list = parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let href = format!("{}#{}", page.url, part.id);
            let here = move || (current.get() == i).then_some("step");
            // `noscroll`: the router would otherwise scroll to the top on every slide.
            view! { <li><a href=href data-noscroll="" aria-current=here>{part.title.clone()}</a></li> }
        })
        .collect_view();
    let (back, forward) = (step.clone(), step);
    let (at_start, at_end) = (move || current.get() == 0, move || current.get() + 1 >= n);

    view! {
        <article class="deck">
            <h1>{page.meta.title}</h1>
            <div class="prose" inner_html=page.html></div>
            {(n > 0)
                .then(|| {
                    view! {
                        <section class="slide" aria-roledescription="slide" aria-live="polite">
                            {slide}
                        </section>
                        <div class="slide-controls">
                            <button
                                type="button"
                                id="slide-prev"
                                disabled=at_start
                                on:click=move |_| back(false)
                            >
                                "← "
                                {ui.previous}
                            </button>
                            <span id="slide-counter" class="slide-counter">{counter}</span>
                            <button
                                type="button"
                                id="slide-next"
                                disabled=at_end
                                on:click=move |_| forward(true)
                            >
                                {ui.next}
                                " →"
                            </button>
                        </div>
                        <p class="hint">{ui.slides_hint}</p>
                        <ol class="slide-list">{list}</ol>
                    }
                })}
        </article>
    }
}

/// Whether a key press goes to a text field (the search box), which keeps its arrow keys.
pub(crate) fn typing(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(el) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
}
