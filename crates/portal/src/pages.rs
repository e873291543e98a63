//! The section pages. Each is a short introduction for now; the knowledge base fills them in.

use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Home() -> impl IntoView {
    view! {
        <section class="hero">
            <h1>"Build with iAM Smart before you reach the test environment"</h1>
            <p class="lead">
                "iAM Smart is Hong Kong's digital identity: residents log in to online services, "
                "hand over verified personal data and sign documents with one app on their phone. "
                "This sandbox gives your developers a working copy of the platform to integrate against."
            </p>
        </section>
        <div class="cards">
            <article class="card">
                <h2>"Authentication"</h2>
                <p>"Log users in by QR code or on the same phone, and re-authenticate them before sensitive steps."</p>
            </article>
            <article class="card">
                <h2>"Form pre-filling"</h2>
                <p>"Fill your forms from the verified iAM Smart profile and from the user's own e-ME data, with consent per field."</p>
            </article>
            <article class="card">
                <h2>"Digital signing"</h2>
                <p>"Have iAM Smart+ users sign a document hash or a PDF, and verify the signature against the certificate."</p>
            </article>
        </div>
        <p>
            "Every call is signed with HMAC-SHA256. Try it now: "
            <A href="/apis/signature">"compute a request signature in your browser"</A> "."
        </p>
    }
}

#[component]
pub fn ThingsToKnow() -> impl IntoView {
    view! {
        <h1>"Things to Know"</h1>
        <p>
            "Before you call the APIs: how iAM Smart identifies a user to your service (the tokenised ID), "
            "the two kinds of account (iAM Smart and iAM Smart+), the profile and e-ME data you may ask for, "
            "and how requests are signed and encrypted."
        </p>
    }
}

#[component]
pub fn UseCases() -> impl IntoView {
    view! {
        <h1>"Use Cases"</h1>
        <p>
            "Each API family works in four set-ups: a website or an app, on the same phone as iAM Smart "
            "or on a different device. The walkthroughs show who calls whom at every step."
        </p>
    }
}

#[component]
pub fn Apis() -> impl IntoView {
    view! {
        <h1>"APIs"</h1>
        <p>
            "The reference of every iAM Smart endpoint, with samples and a console that signs requests in your browser."
        </p>
        <ul>
            <li><A href="/apis/signature">"Request signature calculator"</A></li>
        </ul>
    }
}

#[component]
pub fn Helpdesk() -> impl IntoView {
    view! {
        <h1>"Helpdesk"</h1>
        <p>"Stuck on an integration? Sign in to raise an enquiry and follow its replies here."</p>
    }
}

#[component]
pub fn Faq() -> impl IntoView {
    view! {
        <h1>"Frequently Asked Questions"</h1>
        <p>"Answers to the questions developers ask most about tokens, signatures, callbacks and error codes."</p>
    }
}

#[component]
pub fn About() -> impl IntoView {
    view! {
        <h1>"About"</h1>
        <p>
            "iAM Smart Sandbox lets teams that adopt iAM Smart try every API against a faithful mock, "
            "with made-up personas instead of real residents, before they apply for the government's "
            "integrated testing environment."
        </p>
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    view! {
        <h1>"Sign in"</h1>
        <p>"Accounts are by invitation. Sign-in opens with the account features of the sandbox."</p>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    view! {
        <h1>"Page not found"</h1>
        <p>"No page lives at this address. " <A href="/">"Back to the home page"</A> "."</p>
    }
}
