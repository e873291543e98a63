//! The shell: header with the site navigation, the routed page, and the footer.

use leptos::prelude::*;
use leptos_router::{
    components::{A, Route, Router, Routes},
    path,
};

use crate::{pages, signature::SignaturePage};

/// The sections of the site, in navigation order: `(path, label)`.
pub(crate) const SECTIONS: &[(&str, &str)] = &[
    ("/", "Home"),
    ("/things-to-know", "Things to Know"),
    ("/use-cases", "Use Cases"),
    ("/apis", "APIs"),
    ("/helpdesk", "Helpdesk"),
    ("/faq", "FAQ"),
    ("/about", "About"),
];

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <header class="site-header">
                <A href="/" attr:class="brand">
                    <span class="brand-mark">"iAM Smart"</span>
                    " Sandbox"
                </A>
                <nav class="site-nav" aria-label="Sections">
                    {SECTIONS
                        .iter()
                        .map(|&(href, label)| view! { <A href=href exact={href == "/"}>{label}</A> })
                        .collect_view()}
                    <A href="/sign-in" attr:class="sign-in">"Sign in"</A>
                </nav>
            </header>
            <main id="content">
                <Routes fallback=pages::NotFound>
                    <Route path=path!("/") view=pages::Home />
                    <Route path=path!("/things-to-know") view=pages::ThingsToKnow />
                    <Route path=path!("/use-cases") view=pages::UseCases />
                    <Route path=path!("/apis") view=pages::Apis />
                    <Route path=path!("/apis/signature") view=SignaturePage />
                    <Route path=path!("/helpdesk") view=pages::Helpdesk />
                    <Route path=path!("/faq") view=pages::Faq />
                    <Route path=path!("/about") view=pages::About />
                    <Route path=path!("/sign-in") view=pages::SignIn />
                </Routes>
            </main>
            <footer class="site-footer">
                <p>
                    "iAM Smart Sandbox is an independent developer sandbox. It simulates the iAM Smart "
                    "platform for testing and is not the government's service; no real identity data is used."
                </p>
            </footer>
        </Router>
    }
}
