//! The table-driven validator: checks a request against its endpoint's field list.
//!
//! Fields are checked in the order the catalogue lists them, and the first violation wins,
//! so the same bad request always gets the same answer. For each field: absent (or `null`)
//! when mandatory is `D20001`; blank when mandatory is `D20002` (a blank optional field
//! counts as absent); a wrong type, an over-long string, a too-large number, a bad shape or
//! a value outside the allowed list is `D20003`, except that any bad `source` is `D20007`.
//! Fields the table does not list are ignored.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    Error,
    catalogue::{Endpoint, EndpointId, Field, FieldType, Format},
    vocab::{Scopes, Source},
    wire::parse_flag,
};

/// Leniencies the validator can apply, each off in strict mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckOptions {
    /// Let getQR accept `App_Link` and `App_Scheme`, which the specification reserves for
    /// app-initiated logins but some integrators send anyway.
    pub get_qr_app_sources: bool,
}

/// Checks `body` against `endpoint`'s request fields, strictly.
pub fn check_fields(endpoint: &Endpoint, body: &Value) -> Result<(), Error> {
    check_fields_with(endpoint, body, &CheckOptions::STRICT)
}

/// Checks `body` against `endpoint`'s request fields, with `options`.
///
/// A body that is not a JSON object is treated as an empty one.
pub fn check_fields_with(
    endpoint: &Endpoint,
    body: &Value,
    options: &CheckOptions,
) -> Result<(), Error> {
    for field in endpoint.request {
        let value = body.get(field.name).filter(|v| !v.is_null());
        match value {
            None if field.is_mandatory() => return Err(missing(field)),
            Some(value) if is_blank(value) && field.is_mandatory() => {
                return Err(Error::EmptyParameter(field.name.into()));
            }
            None => {}
            Some(value) if is_blank(value) => {}
            Some(value) => check_value(endpoint, field, value, options)?,
        }
    }
    Ok(())
}

/// Checks `body` with [`check_fields`], then parses it as the endpoint's wire type `T`.
pub fn decode<T: DeserializeOwned>(endpoint: &Endpoint, body: &Value) -> Result<T, Error> {
    check_fields(endpoint, body)?;
    T::deserialize(body).map_err(|_| Error::InvalidParameter("content".into()))
}

impl CheckOptions {
    /// No leniency: the specification as written.
    pub const STRICT: CheckOptions = CheckOptions { get_qr_app_sources: false };
}

fn missing(field: &Field) -> Error {
    Error::MissingParameter(field.name.into())
}

/// Whether a present value counts as empty: blank text or an empty array or object.
fn is_blank(value: &Value) -> bool {
    match value {
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(map) => map.is_empty(),
        _ => false,
    }
}

fn check_value(
    endpoint: &Endpoint,
    field: &Field,
    value: &Value,
    options: &CheckOptions,
) -> Result<(), Error> {
    let valid = match field.ty {
        FieldType::String => value.as_str().is_some_and(|s| string_ok(endpoint, field, s, options)),
        FieldType::Integer => {
            value.as_u64().is_some_and(|n| field.max_value.is_none_or(|max| n <= max))
        }
        FieldType::Boolean => match value {
            Value::Bool(_) => true,
            Value::String(s) => parse_flag(s).is_some(),
            _ => false,
        },
        FieldType::StringArray => value.as_array().is_some_and(|items| {
            items.iter().all(|item| item.as_str().is_some_and(|s| allowed(field, s)))
        }),
        FieldType::Object => value.is_object(),
    };
    if valid {
        return Ok(());
    }
    if field.name == Source::PARAM {
        return Err(Error::UnsupportedSource);
    }
    Err(Error::InvalidParameter(field.name.into()))
}

fn string_ok(endpoint: &Endpoint, field: &Field, s: &str, options: &CheckOptions) -> bool {
    if field.max_len.is_some_and(|max| s.chars().count() > max) {
        return false;
    }
    if !format_ok(field.format, s) {
        return false;
    }
    let app_source_tolerated = options.get_qr_app_sources
        && endpoint.id == EndpointId::GetQr
        && field.name == Source::PARAM
        && Source::parse(s).is_ok();
    app_source_tolerated || allowed(field, s)
}

fn allowed(field: &Field, s: &str) -> bool {
    field.allowed.is_empty() || field.allowed.contains(&s)
}

fn format_ok(format: Format, s: &str) -> bool {
    match format {
        Format::Text => true,
        Format::Ascii => s.bytes().all(|b| (0x20..0x7F).contains(&b)),
        Format::Token => s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
        Format::Base64 => STANDARD.decode(s).is_ok(),
        Format::Sha256Base64 => STANDARD.decode(s).is_ok_and(|bytes| bytes.len() == 32),
        Format::Url => is_absolute_url(s),
        Format::Scopes => Scopes::parse(s).is_ok(),
        Format::StepupMethod => is_stepup_method(s),
    }
}

/// A scheme (`[A-Za-z][A-Za-z0-9+.-]*`), then `://`, then something, with no whitespace or
/// control characters anywhere.
fn is_absolute_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'));
    scheme_ok && !rest.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// JSON text of one combinator (`unary` or `and`) over a non-empty list of `FR` / `NFC`;
/// `unary` takes exactly one factor.
fn is_stepup_method(s: &str) -> bool {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(s) else {
        return false;
    };
    let mut entries = map.iter();
    let (Some((combinator, Value::Array(factors))), None) = (entries.next(), entries.next()) else {
        return false;
    };
    let factors_ok =
        !factors.is_empty() && factors.iter().all(|f| matches!(f.as_str(), Some("FR" | "NFC")));
    let arity_ok = match combinator.as_str() {
        "unary" => factors.len() == 1,
        "and" => factors.len() >= 2,
        _ => false,
    };
    factors_ok && arity_ok
}
