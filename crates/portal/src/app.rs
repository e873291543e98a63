//! The shell: header (brand, search, language switch, navigation), the routed page, the footer.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};

use crate::{
    doc::ContentRoute,
    i18n::{Lang, Ui, tr},
    kb::{Kb, use_kb},
    pages,
    search::SearchBox,
    signature::SignaturePage,
};

/// The sections of the site, in navigation order: `(path, label)`.
fn sections(ui: &Ui) -> [(&'static str, &'static str); 7] {
    [
        ("/", ui.home),
        ("/things-to-know", ui.things_to_know),
        ("/use-cases", ui.use_cases),
        ("/apis", ui.apis),
        ("/helpdesk", ui.helpdesk),
        ("/faq", ui.faq),
        ("/about", ui.about),
    ]
}

#[component]
pub fn App() -> impl IntoView {
    let kb = Kb::provide();
    view! {
        <Router>
            <header class="site-header">
                <div class="header-bar">
                    <A href="/" attr:class="brand">
                        <span class="brand-mark">"iAM Smart"</span>
                        " Sandbox"
                    </A>
                    <SearchBox />
                    <LangSwitch />
                </div>
                <nav class="site-nav" aria-label=tr(|ui| ui.sections_label)>
                    {move || {
                        let ui = kb.ui();
                        sections(ui)
                            .into_iter()
                            .map(|(href, label)| view! { <A href=href exact={href == "/"}>{label}</A> })
                            .collect_view()
                    }}
                    <A href="/sign-in" attr:class="sign-in">{tr(|ui| ui.sign_in)}</A>
                </nav>
            </header>
            <main id="content">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home />
                    <Route path=path!("/apis") view=pages::Apis />
                    <Route path=path!("/apis/signature") view=SignaturePage />
                    <Route path=path!("/helpdesk") view=pages::Helpdesk />
                    <Route path=path!("/sign-in") view=pages::SignIn />
                    // The knowledge base, after the fixed paths (the first matching route wins).
                    <Route path=path!("/:section") view=ContentRoute />
                    <Route path=path!("/:section/:slug") view=ContentRoute />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>{tr(|ui| ui.footer)}</p>
                <p>
                    <A href="/terms/terms-and-conditions">{tr(|ui| ui.terms)}</A>
                    " · "
                    <A href="/guides">{tr(|ui| ui.guides)}</A>
                </p>
            </footer>
        </Router>
    }
}

/// EN / 繁中: switches the content and the chrome; the choice is remembered.
#[component]
fn LangSwitch() -> impl IntoView {
    let kb = use_kb();
    let buttons = Lang::ALL
        .into_iter()
        .map(|lang| {
            view! {
                <button
                    type="button"
                    id=format!("lang-{}", lang.code())
                    lang=lang.code()
                    aria-pressed=move || (kb.lang.get() == lang).to_string()
                    on:click=move |_| kb.lang.set(lang)
                >
                    {lang.label()}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="lang-switch" role="group" aria-label=tr(|ui| ui.language_label)>
            {buttons}
        </div>
    }
}
