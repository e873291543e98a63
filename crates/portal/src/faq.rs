//! The FAQ: every FAQ page of the language as one group, every question a `<details>` whose
//! `<summary>` is the question. `/faq#<question id>` (and `/faq/<group>#<question id>`, where
//! search results lead) opens the question and scrolls to it; `/faq/<group>` scrolls to the group.

use std::sync::Arc;

use content::Bundle;
use leptos::prelude::*;

use crate::{
    doc::follow_hash,
    kb::{section_pages, use_kb, with_bundle},
};

/// `/faq`: all groups.
#[component]
pub fn FaqIndex() -> impl IntoView {
    with_bundle(|bundle, _| view! { <FaqGroups bundle=bundle focus=None /> })
}

/// All FAQ groups of `bundle`.
#[component]
pub fn FaqGroups(
    /// The pages of the current language.
    bundle: Arc<Bundle>,
    /// The slug of the group to scroll to when the URL names no question.
    focus: Option<String>,
) -> impl IntoView {
    follow_hash(focus);
    let ui = use_kb().lang.get_untracked().ui();
    let groups = section_pages(&bundle, "faq");
    let index = groups
        .iter()
        .map(|page| {
            let href = format!("#{}", page.meta.slug);
            view! { <li><a href=href>{short_title(&page.meta.title)}</a></li> }
        })
        .collect_view();
    let sections = groups
        .iter()
        .map(|page| {
            let questions = page
                .parts
                .iter()
                .map(|q| {
                    view! {
                        <details class="faq-item" id=q.id.clone()>
                            <summary>{q.title.clone()}</summary>
                            <div class="prose answer" inner_html=q.html.clone()></div>
                        </details>
                    }
                })
                .collect_view();
            view! {
                <section class="faq-group" id=page.meta.slug.clone()>
                    <h2>{short_title(&page.meta.title)}</h2>
                    <div class="prose" inner_html=page.html.clone()></div>
                    {questions}
                </section>
            }
        })
        .collect_view();
    view! {
        <h1>{ui.faq_title}</h1>
        <p class="lead">{ui.faq_intro}</p>
        <nav class="faq-index" aria-label=ui.faq>
            <ul>{index}</ul>
        </nav>
        {sections}
    }
}

/// "FAQ: login, codes and tokens" → "Login, codes and tokens" (the page is already the FAQ).
fn short_title(title: &str) -> String {
    let rest = match title.split_once([':', '：']) {
        Some((_, rest)) if !rest.trim().is_empty() => rest.trim(),
        _ => title,
    };
    let mut chars = rest.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
