//! The section pages: Home and the section indexes from the knowledge base, and the pages that
//! are not content (APIs, Helpdesk, Sign in, NotFound).

use content::Page;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::{
    i18n::{Ui, tr},
    kb::{section_pages, with_bundle},
};

/// A link to a page as a card: its title and summary.
fn card(page: &Page) -> impl IntoView + use<> {
    let (title, summary) = (page.meta.title.clone(), page.meta.summary.clone());
    view! {
        <A href=page.url.clone() attr:class="card card-link">
            <h2>{title}</h2>
            <p>{summary}</p>
        </A>
    }
}

/// The first home page (welcome) as the hero and body, the guides as cards, the other home
/// pages as more cards.
#[component]
pub fn Home() -> impl IntoView {
    with_bundle(|bundle, ui| {
        let home = section_pages(&bundle, "home");
        let Some((welcome, more)) = home.split_first() else {
            return view! { <NotFound /> }.into_any();
        };
        let guides = section_pages(&bundle, "guides").into_iter().map(card).collect_view();
        let more = more.iter().map(|p| card(p)).collect_view();
        view! {
            <section class="hero">
                <h1>{welcome.meta.title.clone()}</h1>
                <p class="lead">{welcome.meta.summary.clone()}</p>
            </section>
            <h2 class="cards-title">{ui.home_families}</h2>
            <div class="cards">{guides}</div>
            <div class="prose" inner_html=welcome.html.clone()></div>
            <h2 class="cards-title">{ui.home_more}</h2>
            <div class="cards">{more}</div>
            <p>{ui.home_try} <A href="/apis/signature">{ui.home_try_link}</A> "."</p>
        }
        .into_any()
    })
}

/// A section's index: its title and introduction at once, then a card per page.
#[component]
pub fn SectionIndex(
    /// The section id, as in `content/<lang>/<section>/`.
    section: &'static str,
) -> impl IntoView {
    type Pick = fn(&Ui) -> &'static str;
    let (title, intro): (Pick, Pick) = match section {
        "things-to-know" => (|ui| ui.things_to_know, |ui| ui.things_intro),
        "use-cases" => (|ui| ui.use_cases, |ui| ui.use_cases_intro),
        "guides" => (|ui| ui.guides, |ui| ui.guides_intro),
        _ => (|ui| ui.terms, |ui| ui.terms_intro),
    };
    view! {
        <h1>{tr(title)}</h1>
        <p class="lead">{tr(intro)}</p>
        {with_bundle(move |bundle, _| {
            let cards = section_pages(&bundle, section).into_iter().map(card).collect_view();
            view! { <div class="cards">{cards}</div> }
        })}
    }
}

#[component]
pub fn Apis() -> impl IntoView {
    view! {
        <h1>{tr(|ui| ui.apis)}</h1>
        <p>{tr(|ui| ui.apis_intro)}</p>
        <ul>
            <li>
                <A href="/apis/signature">{tr(|ui| ui.apis_signature)}</A>
            </li>
            <li>
                <A href="/guides/javascript-sdk">{tr(|ui| ui.apis_sdk)}</A>
            </li>
        </ul>
    }
}

#[component]
pub fn Helpdesk() -> impl IntoView {
    view! {
        <h1>{tr(|ui| ui.helpdesk)}</h1>
        <p>{tr(|ui| ui.helpdesk_intro)}</p>
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    view! {
        <h1>{tr(|ui| ui.sign_in)}</h1>
        <p>{tr(|ui| ui.sign_in_intro)}</p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>{tr(|ui| ui.not_found_title)}</h1>
        <p>
            {tr(|ui| ui.not_found_text)}
            <A href="/">{tr(|ui| ui.back_home)}</A>
            "."
        </p>
    }
}
