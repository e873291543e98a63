//! The knowledge base in the browser: the reader's language and the page bundle of each language,
//! fetched once from `/kb/pages.<lang>.json` (written by `cargo xtask dist`) and kept.
//!
//! This is the only module that fetches pages; the views ask [`Kb`] for the current bundle.

use std::sync::Arc;

use content::{Bundle, Page};
use leptos::{prelude::*, task::spawn_local};
use wasm_bindgen::JsCast as _;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::{Lang, Ui};

/// Where a bundle is.
#[derive(Debug, Clone)]
pub(crate) enum Load {
    /// Not asked for yet, or being fetched.
    Loading,
    Ready(Arc<Bundle>),
    /// The fetch or the JSON failed; switching language tries again.
    Failed,
}

/// The shared state of the portal, provided by `App`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kb {
    pub(crate) lang: RwSignal<Lang>,
    /// One per language, in the order of [`Lang::ALL`].
    bundles: [RwSignal<Load>; 2],
    /// Whether a fetch has started, per language.
    started: [StoredValue<bool>; 2],
}

impl Kb {
    /// Creates the state, provides it as context and fetches the bundle of each language the
    /// reader switches to (the first time only).
    pub(crate) fn provide() -> Kb {
        let lang = Lang::initial();
        lang.apply();
        let kb = Kb {
            lang: RwSignal::new(lang),
            bundles: [RwSignal::new(Load::Loading), RwSignal::new(Load::Loading)],
            started: [StoredValue::new(false), StoredValue::new(false)],
        };
        Effect::new(move || {
            let lang = kb.lang.get();
            lang.apply();
            kb.fetch(lang);
        });
        provide_context(kb);
        kb
    }

    fn slot(lang: Lang) -> usize {
        Lang::ALL.iter().position(|&l| l == lang).unwrap_or(0)
    }

    fn fetch(self, lang: Lang) {
        let i = Kb::slot(lang);
        let failed = matches!(self.bundles[i].get_untracked(), Load::Failed);
        if self.started[i].get_value() && !failed {
            return;
        }
        self.started[i].set_value(true);
        self.bundles[i].set(Load::Loading);
        let target = self.bundles[i];
        spawn_local(async move {
            let url = format!("/kb/pages.{}.json", lang.code());
            let res = match fetch_text(&url).await {
                Some(text) => match serde_json::from_str::<Bundle>(&text) {
                    Ok(bundle) => Load::Ready(Arc::new(bundle)),
                    Err(err) => {
                        leptos::logging::error!("{url}: {err}");
                        Load::Failed
                    }
                },
                None => Load::Failed,
            };
            target.set(res);
        });
    }

    /// The bundle of the current language (tracked).
    pub(crate) fn bundle(self) -> Load {
        self.bundles[Kb::slot(self.lang.get())].get()
    }

    /// The UI strings of the current language (tracked).
    pub(crate) fn ui(self) -> &'static Ui {
        self.lang.get().ui()
    }
}

pub(crate) fn use_kb() -> Kb {
    expect_context::<Kb>()
}

/// The pages of `section`, in order.
pub(crate) fn section_pages<'a>(bundle: &'a Bundle, section: &str) -> Vec<&'a Page> {
    let mut res: Vec<&Page> = bundle.pages.iter().filter(|p| p.meta.section == section).collect();
    res.sort_by_key(|p| p.meta.order);
    res
}

/// The page at `/<section>/<slug>`.
pub(crate) fn find<'a>(bundle: &'a Bundle, section: &str, slug: &str) -> Option<&'a Page> {
    bundle.pages.iter().find(|p| p.meta.section == section && p.meta.slug == slug)
}

/// Renders `f` with the current bundle and UI strings once the bundle is there, a notice until
/// then; again when the language changes.
pub(crate) fn with_bundle<V: IntoView + 'static>(
    f: impl Fn(Arc<Bundle>, &'static Ui) -> V + Send + Sync + 'static,
) -> impl IntoView {
    let kb = use_kb();
    move || match kb.bundle() {
        Load::Ready(bundle) => f(bundle, kb.ui()).into_any(),
        Load::Loading => {
            view! { <p class="notice" aria-busy="true">{kb.ui().loading}</p> }.into_any()
        }
        Load::Failed => view! { <p class="notice error">{kb.ui().load_failed}</p> }.into_any(),
    }
}

async fn fetch_text(url: &str) -> Option<String> {
    let res = JsFuture::from(window().fetch_with_str(url)).await.ok()?;
    let res: web_sys::Response = res.dyn_into().ok()?;
    if !res.ok() {
        leptos::logging::error!("{url}: HTTP {}", res.status());
        return None;
    }
    JsFuture::from(res.text().ok()?).await.ok()?.as_string()
}
