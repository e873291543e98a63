//! The knowledge-base routes: a section index at `/<section>`, and at `/<section>/<slug>` an
//! article with its table of contents, a slide deck or the FAQ, depending on the page's kind.
//! A missing section or page is the NotFound page.

use content::{Kind, Page};
use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_params_map};
use wasm_bindgen::JsCast as _;

use crate::{
    faq::{FaqGroups, FaqIndex},
    kb::{find, section_pages, with_bundle},
    pages::{Home, NotFound, SectionIndex},
    slides::SlideViewer,
};

/// `/<section>` and `/<section>/<slug>` of the knowledge base; anything else is NotFound.
#[component]
pub fn ContentRoute() -> impl IntoView {
    let params = use_params_map();
    move || {
        let (section, slug) = params.with(|p| (p.get("section"), p.get("slug")));
        let section = section.and_then(|s| content::SECTIONS.iter().copied().find(|&id| id == s));
        match (section, slug) {
            (None, _) => view! { <NotFound /> }.into_any(),
            (Some("home"), None) => view! { <Home /> }.into_any(),
            (Some("faq"), None) => view! { <FaqIndex /> }.into_any(),
            (Some(section @ ("things-to-know" | "use-cases" | "guides" | "terms")), None) => {
                view! { <SectionIndex section /> }.into_any()
            }
            (Some(section), slug) => view! { <DocRoute section slug /> }.into_any(),
        }
    }
}

/// The page `/<section>/<slug>`, or without a slug the section's first page.
#[component]
pub fn DocRoute(
    /// The section id, as in `content/<lang>/<section>/`.
    section: &'static str,
    /// The page id within the section.
    slug: Option<String>,
) -> impl IntoView {
    with_bundle(move |bundle, _| {
        let page = match &slug {
            Some(slug) => find(&bundle, section, slug),
            None => section_pages(&bundle, section).first().copied(),
        };
        let Some(page) = page else {
            return view! { <NotFound /> }.into_any();
        };
        match page.meta.kind {
            Kind::Page => view! { <Article page=page.clone() /> }.into_any(),
            Kind::Slides => view! { <SlideViewer page=page.clone() /> }.into_any(),
            Kind::Faq => {
                let focus = page.meta.slug.clone();
                view! { <FaqGroups bundle=bundle.clone() focus=Some(focus) /> }.into_any()
            }
        }
    })
}

/// An ordinary page: the title, the rendered body and a table of contents of its headings.
#[component]
pub fn Article(
    /// The page, as rendered at build time.
    page: Page,
) -> impl IntoView {
    follow_hash(None);
    let ui = crate::kb::use_kb().lang.get_untracked().ui();
    let toc = page
        .headings
        .iter()
        .filter(|h| h.level <= 3)
        .map(|h| {
            let class = format!("toc-{}", h.level);
            view! { <li class=class><a href=format!("#{}", h.id)>{h.text.clone()}</a></li> }
        })
        .collect_view();
    let has_toc = page.headings.len() > 1;
    view! {
        <div class="doc">
            <article class="prose">
                <h1>{page.meta.title}</h1>
                <div inner_html=page.html></div>
            </article>
            {has_toc
                .then(|| {
                    view! {
                        <nav class="toc" aria-label=ui.on_this_page>
                            <h2>{ui.on_this_page}</h2>
                            <ul>{toc}</ul>
                        </nav>
                    }
                })}
        </div>
    }
}

/// The URL's `#fragment`, percent-decoded (ids may be Chinese).
pub(crate) fn current_fragment(hash: &str) -> String {
    let raw = hash.strip_prefix('#').unwrap_or(hash);
    js_sys::decode_uri_component(raw).ok().and_then(|s| s.as_string()).unwrap_or_else(|| raw.into())
}

/// Scrolls to the element the URL's `#fragment` names (or to `fallback` when there is none), now
/// and whenever the fragment changes, and opens it if it is a `<details>`. The router scrolls on
/// its own only when the element exists at navigation time; ours are rendered after the bundle
/// arrives.
pub(crate) fn follow_hash(fallback: Option<String>) {
    let hash = use_location().hash;
    Effect::new(move || {
        let id = current_fragment(&hash.get());
        let id = if id.is_empty() { fallback.clone() } else { Some(id) };
        if let Some(id) = id {
            request_animation_frame(move || reveal(&id));
        }
    });
}

fn reveal(id: &str) {
    let Some(el) = document().get_element_by_id(id) else {
        return;
    };
    if let Some(details) = el.dyn_ref::<web_sys::HtmlDetailsElement>() {
        details.set_open(true);
    }
    el.scroll_into_view();
}
