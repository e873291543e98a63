//! Browser-side messages: the getQR query and the redirect back to the e-service.
//!
//! Both travel as URL query strings. Values are percent-encoded as UTF-8, keeping only the
//! unreserved characters `A-Z a-z 0-9 - . _ ~`, so a `redirectURI` or a space-delimited
//! `scope` survives intact. Parsing accepts `+` for a space, as form encoding writes it.

use serde::{Deserialize, Deserializer, Serialize};

use crate::{
    Code, Error,
    vocab::{Lang, ResponseType, Scopes, Source},
};

/// The query of `GET /api/v1/auth/getQR`, which opens the QR page or broker page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetQrQuery {
    /// The registered client id.
    #[serde(rename = "clientID")]
    pub client_id: String,
    /// Always `code`.
    #[serde(rename = "responseType")]
    pub response_type: ResponseType,
    /// Who initiates the login; app-initiated sources are not for getQR.
    pub source: Source,
    /// Where the browser returns with the code; must be registered.
    #[serde(rename = "redirectURI")]
    pub redirect_uri: String,
    /// The scopes requested, space-delimited.
    pub scope: Scopes,
    /// The page language; `zh-HK` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The e-service's anti-CSRF value, echoed on the redirect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Whether to open the app through the broker page without detecting it first.
    #[serde(
        rename = "brokerPage",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_flag"
    )]
    pub broker_page: Option<bool>,
    /// Binds the page to a pending anonymous request.
    #[serde(rename = "ticketID", default, skip_serializing_if = "Option::is_none")]
    pub ticket_id: Option<String>,
}

/// The query iAM Smart appends to `redirectURI` when the browser returns.
///
/// On approval it holds `code` (and `businessID` in anonymous flows); on failure it holds
/// `error_code`. `state` is echoed either way when the request had one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedirectQuery {
    /// The anonymous request this redirect concludes.
    #[serde(rename = "businessID", default, skip_serializing_if = "Option::is_none")]
    pub business_id: Option<String>,
    /// The single-use authorisation code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why the flow failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<Code>,
    /// The echoed `state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}

/// Percent-encodes `value` for a query string: every byte outside `A-Z a-z 0-9 - . _ ~`.
pub fn percent_encode(value: &str) -> String {
    let mut res = String::with_capacity(value.len());
    for &byte in value.as_bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            res.push(char::from(byte));
        } else {
            res.push('%');
            res.push(upper_hex(byte >> 4));
            res.push(upper_hex(byte & 0x0F));
        }
    }
    res
}

/// Appends encoded `pairs` to `url`'s query, keeping any `#fragment` last.
pub fn append_query<K: AsRef<str>, V: AsRef<str>>(url: &str, pairs: &[(K, V)]) -> String {
    let (base, fragment) = match url.find('#') {
        Some(idx) => url.split_at(idx),
        None => (url, ""),
    };
    let mut res = String::from(base);
    let mut sep = if !base.contains('?') {
        Some('?')
    } else if base.ends_with(['?', '&']) {
        None
    } else {
        Some('&')
    };
    for (key, value) in pairs {
        if let Some(sep) = sep {
            res.push(sep);
        }
        res.push_str(&percent_encode(key.as_ref()));
        res.push('=');
        res.push_str(&percent_encode(value.as_ref()));
        sep = Some('&');
    }
    res.push_str(fragment);
    res
}

/// Splits a query string (with or without its leading `?`) into decoded pairs.
///
/// A malformed escape or non-UTF-8 value is `D20003`, naming the parameter.
pub fn parse_query(query: &str) -> Result<Vec<(String, String)>, Error> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut res = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(raw_key).ok_or(Error::InvalidParameter("query".into()))?;
        let value =
            percent_decode(raw_value).ok_or_else(|| Error::InvalidParameter(key.clone().into()))?;
        res.push((key, value));
    }
    Ok(res)
}

/// Turns a query string into a JSON object of strings, keeping the first of repeated keys.
///
/// This is the form `catalogue::check_fields` validates before the query is parsed into
/// [`GetQrQuery`] or [`RedirectQuery`].
pub fn query_object(query: &str) -> Result<serde_json::Map<String, serde_json::Value>, Error> {
    let mut res = serde_json::Map::new();
    for (key, value) in parse_query(query)? {
        res.entry(key).or_insert(serde_json::Value::String(value));
    }
    Ok(res)
}

impl GetQrQuery {
    /// The query's pairs, in the order the parameters are documented.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut res = vec![
            ("clientID", self.client_id.clone()),
            ("responseType", self.response_type.as_str().to_owned()),
            ("source", self.source.as_str().to_owned()),
            ("redirectURI", self.redirect_uri.clone()),
            ("scope", self.scope.to_string()),
        ];
        res.extend(present([
            ("lang", self.lang.map(|it| it.as_str().to_owned())),
            ("state", self.state.clone()),
            ("brokerPage", self.broker_page.map(|it| it.to_string())),
            ("ticketID", self.ticket_id.clone()),
        ]));
        res
    }

    /// The full getQR URL: `endpoint` (e.g. `https://host/api/v1/auth/getQR`) plus the query.
    pub fn url(&self, endpoint: &str) -> String {
        append_query(endpoint, &self.pairs())
    }

    /// The page language, defaulting to `zh-HK`.
    pub fn lang_or_default(&self) -> Lang {
        self.lang.unwrap_or_default()
    }
}

impl RedirectQuery {
    /// The redirect of an approved request.
    pub fn success(code: String, state: Option<String>) -> RedirectQuery {
        RedirectQuery { code: Some(code), state, ..RedirectQuery::default() }
    }

    /// The redirect of a failed or denied request.
    pub fn failure(error_code: Code, state: Option<String>) -> RedirectQuery {
        RedirectQuery { error_code: Some(error_code), state, ..RedirectQuery::default() }
    }

    /// The same redirect, naming the anonymous request it concludes.
    pub fn with_business_id(self, business_id: String) -> RedirectQuery {
        RedirectQuery { business_id: Some(business_id), ..self }
    }

    /// The query's pairs: `businessID`, `code`, `error_code`, `state`, when present.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        present([
            ("businessID", self.business_id.as_deref()),
            ("code", self.code.as_deref()),
            ("error_code", self.error_code.map(Code::as_str)),
            ("state", self.state.as_deref()),
        ])
        .collect()
    }

    /// The URL the browser is sent to: `redirect_uri` with this query appended.
    pub fn redirect_url(&self, redirect_uri: &str) -> String {
        append_query(redirect_uri, &self.pairs())
    }

    /// Parses the query of a redirect; an unknown `error_code` is `D20003`.
    pub fn parse(query: &str) -> Result<RedirectQuery, Error> {
        let mut res = RedirectQuery::default();
        for (key, value) in parse_query(query)? {
            let slot = match key.as_str() {
                "businessID" => &mut res.business_id,
                "code" => &mut res.code,
                "state" => &mut res.state,
                "error_code" => {
                    let code =
                        Code::parse(&value).ok_or(Error::InvalidParameter("error_code".into()))?;
                    res.error_code.get_or_insert(code);
                    continue;
                }
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        Ok(res)
    }
}

/// The pairs whose value is present, in order.
fn present<V>(
    pairs: impl IntoIterator<Item = (&'static str, Option<V>)>,
) -> impl Iterator<Item = (&'static str, V)> {
    pairs.into_iter().filter_map(|(key, value)| Some((key, value?)))
}

/// Reads `brokerPage` from JSON booleans or from `true`/`false` text in any letter case.
fn lenient_flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    match Option::<Flag>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Flag::Bool(b)) => Ok(Some(b)),
        Some(Flag::Text(text)) => match parse_flag(&text) {
            Some(b) => Ok(Some(b)),
            None => Err(serde::de::Error::invalid_value(
                serde::de::Unexpected::Str(&text),
                &"true or false",
            )),
        },
    }
}

/// Parses `true`/`false` in any letter case, as integrators send both.
pub(crate) fn parse_flag(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut res = Vec::with_capacity(bytes.len());
    let mut idx = 0;
    while idx < bytes.len() {
        match bytes[idx] {
            b'%' => {
                let hi = hex_value(*bytes.get(idx + 1)?)?;
                let lo = hex_value(*bytes.get(idx + 2)?)?;
                res.push(hi << 4 | lo);
                idx += 3;
            }
            b'+' => {
                res.push(b' ');
                idx += 1;
            }
            byte => {
                res.push(byte);
                idx += 1;
            }
        }
    }
    String::from_utf8(res).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    char::from(digit).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

fn upper_hex(nibble: u8) -> char {
    char::from(b"0123456789ABCDEF"[usize::from(nibble & 0x0F)])
}
