//! The request signature calculator: signs a sample request in the browser with `protocol`.

use leptos::prelude::*;
use protocol::{SIGNATURE_METHOD, SignatureInput};

#[component]
pub fn SignaturePage() -> impl IntoView {
    let client_id = RwSignal::new(String::from(protocol::demo::ENCRYPTED.client_id));
    let secret = RwSignal::new(String::from(protocol::demo::ENCRYPTED.secret));
    let timestamp = RwSignal::new(String::from("1557048906183"));
    let nonce = RwSignal::new(String::from("e893647dc4204eb9b7b8eddd527b687c"));
    let body = RwSignal::new(String::from(
        r#"{"code":"6fb4f1d2a1c84e0b9e3c0a7e5d2f4b19","grantType":"authorization_code"}"#,
    ));
    let result = RwSignal::new(None::<String>);

    let message = move || {
        format!(
            "{}{SIGNATURE_METHOD}{}{}{}",
            client_id.get(),
            timestamp.get(),
            nonce.get(),
            body.get()
        )
    };
    let compute = move |_| {
        let body = body.get();
        let (client_id, timestamp, nonce) = (client_id.get(), timestamp.get(), nonce.get());
        let input = SignatureInput {
            client_id: &client_id,
            signature_method: SIGNATURE_METHOD,
            timestamp: &timestamp,
            nonce: &nonce,
            body: body.as_bytes(),
        };
        result.set(Some(protocol::sign(&secret.get(), &input)));
    };
    let fresh = move |_| {
        timestamp.set(format!("{}", js_sys::Date::now() as u64));
        if let Some(uuid) = web_sys::window().and_then(|w| w.crypto().ok()).map(|c| c.random_uuid())
        {
            nonce.set(uuid.replace('-', ""));
        }
    };

    view! {
        <h1>"Request signature calculator"</h1>
        <p>
            "Every POST to iAM Smart carries a " <code>"signature"</code> " header: the HMAC-SHA256 of "
            <code>"clientID + signatureMethod + timestamp + nonce + body"</code>
            ", keyed with your client secret, Base64-encoded and then URL-encoded. "
            "It is computed here, in your browser; nothing is sent anywhere."
        </p>
        <form class="form" on:submit=|ev| ev.prevent_default()>
            <label>"clientID" <input id="client-id" bind:value=client_id autocomplete="off" /></label>
            <label>"Client secret" <input id="secret" bind:value=secret autocomplete="off" /></label>
            <label>"timestamp (ms since 1970)" <input id="timestamp" bind:value=timestamp /></label>
            <label>"nonce" <input id="nonce" bind:value=nonce /></label>
            <label>"Body, exactly as sent" <textarea id="body" rows="4" bind:value=body></textarea></label>
            <div class="actions">
                <button type="button" id="fresh" on:click=fresh>"New timestamp and nonce"</button>
                <button type="button" id="compute" class="primary" on:click=compute>"Compute signature"</button>
            </div>
        </form>
        <h2>"Signed string"</h2>
        <pre id="message" class="wrap">{message}</pre>
        <h2>"signature header"</h2>
        <pre id="signature" class="wrap">
            {move || result.get().unwrap_or_else(|| "Press \u{201c}Compute signature\u{201d}.".into())}
        </pre>
    }
}
