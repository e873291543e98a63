//! Server-rendered pages of the mock platform: the QR page, the broker page and error pages.
//!
//! The pages are small HTML documents with inline CSS and, where they wait for the app, a few
//! lines of inline script that poll `/sandbox/qr/{ticket}/status` once a second and follow
//! the redirect when it comes. The QR code is an SVG made by the `qrcode` crate; it encodes
//! the simulated app's URL for the ticket, so a phone on the same network can open it.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use protocol::{
    Error,
    engine::{Flow, PageKind, QrPage},
    vocab::Lang,
    wire::append_query,
};

/// Shared look of every page; narrow screens first.
const STYLE: &str = "
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,'Noto Sans HK',sans-serif;background:#eef3f1;color:#17201c}
main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:12px;box-shadow:0 2px 10px #0002}
h1{font-size:1.35rem;margin:.2rem 0 1rem;color:#0b5e4a}
h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.qr{display:flex;justify-content:center;margin:1rem 0}
.qr svg{width:15rem;height:15rem;max-width:100%}
.status{padding:.6rem .8rem;border-radius:8px;background:#e5f4ee;font-weight:600}
.error{background:#fdecea;color:#8a1c12}
.code{font:700 1.4rem ui-monospace,monospace;letter-spacing:.1em}
a.button,button{display:inline-block;margin:.25rem .25rem .25rem 0;padding:.65rem 1rem;border:0;border-radius:8px;background:#0b5e4a;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
button.secondary,a.secondary{background:#dfe7e4;color:#17201c}
button.danger{background:#a3261a}
.small{font-size:.85rem;color:#4b5a54}
ul.fields{list-style:none;padding:0}
ul.fields li{padding:.35rem 0;border-bottom:1px solid #e3e9e6}
label{cursor:pointer}
select,input[type=text]{font:inherit;padding:.4rem;border-radius:6px;border:1px solid #9aa9a3;max-width:100%}
code{word-break:break-all}
.phone{max-width:24rem;margin:1rem auto;border:10px solid #222;border-radius:32px;background:#fff;min-height:36rem;padding:1.2rem 1rem;box-shadow:0 4px 18px #0003}
.phone header{display:flex;justify-content:space-between;align-items:center;border-bottom:1px solid #e3e9e6;margin-bottom:.8rem;padding-bottom:.4rem}
.brand{font-weight:700;color:#0b5e4a}
@media (max-width:30rem){main{margin:0;border-radius:0}.phone{border:0;border-radius:0;margin:0;min-height:100vh}}
";

/// A whole HTML document.
pub fn document(title: &str, lang: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

/// An HTML response that is never cached.
pub fn html(status: StatusCode, text: String) -> Response {
    let mut res = (status, Html(text)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The QR page (desktop) or the broker page (mobile browser) for a ticket.
pub fn login_page(page: &QrPage, origin: &str) -> Response {
    let app_url = app_url(origin, &page.ticket_id);
    let what = match page.flow {
        Flow::Login => "log in".to_owned(),
        flow => format!("continue with {}", flow_name(flow)),
    };
    let service = escape(&page.client_name);
    let main = match page.kind {
        PageKind::Qr => {
            let svg = qr_svg(&app_url);
            format!(
                "<h1>iAM Smart</h1>\
                 <p><strong>{service}</strong> asks you to {what} with iAM Smart.</p>\
                 <p>Scan the code with the iAM Smart app. In this sandbox the code opens the simulated app: \
                 use a phone camera on the same network, or open it in another tab.</p>\
                 <div class=\"qr\" role=\"img\" aria-label=\"QR code for the iAM Smart app\">{svg}</div>\
                 <p id=\"status\" class=\"status\" role=\"status\" aria-live=\"polite\">Waiting for the app…</p>\
                 <p><a id=\"open-app\" class=\"button secondary\" href=\"{}\" target=\"_blank\" rel=\"noopener\">Open the simulated app</a></p>",
                escape(&app_url)
            )
        }
        PageKind::Broker => format!(
            "<h1>iAM Smart</h1>\
             <p><strong>{service}</strong> asks you to {what} with iAM Smart on this phone.</p>\
             <p><a id=\"open-iamsmart\" class=\"button\" href=\"{}\">Continue with iAM Smart</a></p>\
             <p>No iAM Smart app here? <a id=\"open-app\" href=\"{}\">Open the simulated app</a>.</p>\
             <p id=\"status\" class=\"status\" role=\"status\" aria-live=\"polite\">Waiting for the app…</p>",
            escape(&page.deep_link),
            escape(&app_url)
        ),
    };
    let script = poll_script(&page.ticket_id);
    let body = format!(
        "<main>{main}<p class=\"small\">Ticket <code>{}</code> expires {}.</p></main>{script}",
        escape(&page.ticket_id),
        expiry_text(page.expires_ms)
    );
    html(StatusCode::OK, document("iAM Smart", lang_tag(page.lang), &body))
}

/// The page for a getQR query the platform rejects, with the D-code.
pub fn get_qr_error(err: &Error) -> Response {
    let code = err.code();
    let hint = match code.as_str() {
        "D20008" => {
            "The redirectURI is not registered for this clientID. Register it with the admin API, character for character."
        }
        "D20007" => {
            "The source is not one getQR accepts (App_Link and App_Scheme are for app-to-app logins)."
        }
        "D20012" => "The scope asks for more than this client was approved for.",
        "D20027" => {
            "The ticketID is unknown, belongs to another client, or was already used or expired."
        }
        _ => "Check the query parameters against the API reference.",
    };
    let body = format!(
        "<main><h1>This request cannot be served</h1>\
         <p class=\"status error\" role=\"alert\"><span id=\"error-code\" class=\"code\">{}</span><br>{}</p>\
         <p>{hint}</p></main>",
        code.as_str(),
        escape(&err.message())
    );
    html(StatusCode::BAD_REQUEST, document("iAM Smart: error", "en", &body))
}

/// A plain error page for a malformed request.
pub fn bad_request(text: &str) -> Response {
    let body = format!(
        "<main><h1>Bad request</h1><p class=\"status error\" role=\"alert\">{}</p></main>",
        escape(text)
    );
    html(StatusCode::BAD_REQUEST, document("Bad request", "en", &body))
}

/// The simulated app's URL for a ticket.
pub fn app_url(origin: &str, ticket_id: &str) -> String {
    append_query(&format!("{origin}/sandbox/app"), &[("ticketID", ticket_id)])
}

/// A QR code of `text` as inline SVG.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(240, 240)
            .quiet_zone(true)
            .build(),
        Err(_) => "<p>(the link is too long for a QR code)</p>".to_owned(),
    }
}

/// What a flow asks the user, in a few words.
pub fn flow_name(flow: Flow) -> &'static str {
    match flow {
        Flow::Login => "login",
        Flow::Profile => "a profile request",
        Flow::FormFilling => "form filling (e-ME)",
        Flow::Reauth => "re-authentication",
        Flow::Signing => "digital signing",
        Flow::PdfSigning => "PDF signing",
    }
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The inline script that waits for the ticket's outcome and follows it.
fn poll_script(ticket_id: &str) -> String {
    let url = serde_json::to_string(&format!("/sandbox/qr/{ticket_id}/status"))
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c");
    format!(
        "<script>(function(){{var el=document.getElementById('status');\
         function say(t){{el.textContent=t;}}\
         function poll(){{fetch({url},{{cache:'no-store'}}).then(function(r){{return r.json();}}).then(function(s){{\
         if(s.status==='redirect'){{if(/^\\s*(javascript|data|vbscript):/i.test(s.url)){{say('The service\\'s redirect address is not allowed.');return;}}\
         say('Done. Returning to the service…');location.replace(s.url);return;}}\
         if(s.status==='scanned'){{say('Opened in the app. Confirm there…');}}\
         if(s.status==='expired'||s.status==='unknown'){{el.classList.add('error');say('This code has expired. Start again from the service to get a new one.');return;}}\
         setTimeout(poll,1000);}}).catch(function(){{setTimeout(poll,2000);}});}}\
         poll();}})();</script>"
    )
}

/// "in N minutes", counted from now, for a page that is rendered now.
fn expiry_text(expires_ms: u64) -> String {
    let left = expires_ms.saturating_sub(crate::platform::now_ms()) / 1000;
    match left {
        0..=59 => format!("in {left} seconds"),
        _ => format!("in about {} minutes", left.div_ceil(60)),
    }
}

fn lang_tag(lang: Lang) -> &'static str {
    match lang {
        Lang::EnUs => "en",
        Lang::ZhHk => "zh-HK",
        Lang::ZhCn => "zh-CN",
    }
}
