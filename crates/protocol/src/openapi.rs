//! OpenAPI 3.0.3 output: the catalogue's APIs and pages as one deterministic JSON document.
//!
//! [`document`] turns every served row of the catalogue (APIs and the getQR page) into an
//! operation at its ITE path; the pilot prefix is a second server, aliases an `x-aliases`
//! list. Signed APIs take the signature headers as header parameters and a body that is the
//! clear business object (plain mode) or `{"content":"<Base64>"}` (encrypted mode); they
//! answer with the `{txID, code, message, content}` envelope, whose `code` lists the
//! endpoint's `D`-codes. Redirects and POST callbacks appear as OpenAPI `callbacks` of the
//! request that names their `redirectURI`; anonymous requests, whose redirect follows getQR,
//! point at it with `x-callback`. Objects are `serde_json` maps with sorted keys and nothing
//! depends on the clock, so the same catalogue always gives the same bytes.

use serde_json::{Map, Value, json};

use crate::{
    Code,
    catalogue::{
        self, Category, Confidence, Endpoint, Field, FieldType, Format, Header, Kind, Method,
        PILOT_PREFIX, Presence,
    },
};

/// The OpenAPI version the document follows.
pub const OPENAPI_VERSION: &str = "3.0.3";

const SEALED: &str = "#/components/schemas/Sealed";
const SEALED_BODY: &str = "#/components/schemas/SealedBody";

/// The OpenAPI document of every API and page, served at `server_url` (e.g.
/// `http://127.0.0.1:8080`) and at the same URL plus the pilot prefix.
pub fn document(server_url: &str) -> Value {
    let base = server_url.trim_end_matches('/');
    let mut paths = Map::new();
    for endpoint in served() {
        let item = paths.entry(endpoint.path).or_insert_with(|| json!({}));
        item[method_key(endpoint.method)] = operation(endpoint);
    }
    let tags: Vec<Value> = Category::ALL
        .iter()
        .filter(|c| served().any(|e| e.category == **c))
        .map(|c| json!({ "name": c.title() }))
        .collect();
    let parameters: Map<String, Value> = served()
        .flat_map(|e| e.headers)
        .filter(|h| is_parameter(h))
        .map(|h| (h.name.to_owned(), header_parameter(h)))
        .collect();
    json!({
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "iAM Smart Sandbox API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The iAM Smart APIs as the sandbox serves them, generated from the \
                protocol catalogue. In encrypted mode a request body is `{\"content\": \
                \"<Base64>\"}` sealing the business object shown, and a response's `content` \
                is sealed the same way; in plain (2020 pilot) mode both are the clear JSON. \
                Remarks are marked [C] confirmed, [C-analog] confirmed for CorpID, [I-high] \
                and [I] inferred, [U] unknown.",
        },
        "servers": [
            { "url": if base.is_empty() { "/" } else { base }, "description": "ITE paths" },
            {
                "url": format!("{base}{PILOT_PREFIX}"),
                "description": "The 2020 pilot sandbox's prefix",
            },
        ],
        "tags": tags,
        "paths": paths,
        "components": {
            "parameters": parameters,
            "schemas": {
                "Sealed": {
                    "type": "string",
                    "format": "byte",
                    "description": "Encrypted mode: Base64 of `int32(12) | iv | ciphertext | \
                        tag`, the business object sealed with AES-256-GCM under the content \
                        encryption key.",
                },
                "SealedBody": {
                    "type": "object",
                    "required": ["content"],
                    "properties": { "content": { "$ref": SEALED } },
                },
            },
        },
    })
}

/// The rows the document describes: APIs and pages, in catalogue order.
fn served() -> impl Iterator<Item = &'static Endpoint> {
    catalogue::all().iter().filter(|e| e.is_served())
}

fn operation(e: &Endpoint) -> Value {
    let mut op = json!({
        "operationId": e.id.as_str(),
        "summary": e.title,
        "description": description(e),
        "tags": [e.category.title()],
        "x-codes": codes(e),
    });
    let mut parameters: Vec<Value> = e
        .headers
        .iter()
        .filter(|h| is_parameter(h))
        .map(|h| json!({ "$ref": format!("#/components/parameters/{}", h.name) }))
        .collect();
    match e.method {
        Method::Get => {
            let sample = e.sample_payload().unwrap_or(Value::Null);
            parameters.extend(e.request.iter().map(|f| query_parameter(f, sample.get(f.name))));
            op["responses"] = json!({ "200": {
                "description": "The QR page on a desktop browser, the broker page on a mobile \
                    one; a refused request gets an error page.",
                "content": { "text/html": { "schema": { "type": "string" } } },
            } });
        }
        Method::Post => {
            op["requestBody"] = request_body(e);
            op["responses"] = json!({ "200": {
                "description": "The envelope. Refusals are HTTP 200 too, with their `D`-code.",
                "content": { "application/json": with_example(
                    envelope(e, false),
                    e.sample_response,
                ) },
            } });
        }
    }
    if !parameters.is_empty() {
        op["parameters"] = parameters.into();
    }
    if !e.aliases.is_empty() {
        op["x-aliases"] = e.aliases.into();
    }
    if let Some(cb) = e.callback() {
        match redirect_uri_expression(e) {
            Some(url) => op["callbacks"] = json!({ cb.id.as_str(): { url: callback_item(cb) } }),
            None => {
                op["x-callback"] = json!({
                    "endpoint": cb.id.as_str(),
                    "description": "The result comes back through the redirect of the getQR \
                        call opened with this request's `ticketID`; see get-qr's callbacks.",
                })
            }
        }
    }
    op
}

/// The runtime expression of the request's `redirectURI`, when the request carries one.
fn redirect_uri_expression(e: &Endpoint) -> Option<&'static str> {
    e.request_field("redirectURI")?;
    Some(match e.method {
        Method::Get => "{$request.query.redirectURI}",
        Method::Post => "{$request.body#/redirectURI}",
    })
}

/// The path item of a redirect (GET with a query) or a POST callback (an envelope).
fn callback_item(cb: &Endpoint) -> Value {
    let sample = cb.sample_payload().unwrap_or(Value::Null);
    let mut op = json!({
        "operationId": cb.id.as_str(),
        "summary": cb.title,
        "description": description(cb),
        "x-codes": codes(cb),
    });
    if cb.kind == Kind::Redirect {
        let query: Vec<Value> =
            cb.request.iter().map(|f| query_parameter(f, sample.get(f.name))).collect();
        op["parameters"] = query.into();
        op["responses"] = json!({ "200": { "description": "The e-service's own page." } });
    } else {
        op["requestBody"] = json!({
            "required": true,
            "content": { "application/json": with_example(
                envelope(cb, true),
                Some(cb.sample_request),
            ) },
        });
        op["responses"] = json!({ "200": {
            "description": "Any answer; what the platform expects is not documented.",
        } });
    }
    json!({ method_key(cb.method): op })
}

fn request_body(e: &Endpoint) -> Value {
    let clear = object_schema(e.request);
    let schema =
        if e.encrypted { json!({ "anyOf": [clear, { "$ref": SEALED_BODY }] }) } else { clear };
    let description = if e.encrypted {
        "The business object in plain (pilot) mode; `{\"content\": \"<Base64>\"}` sealing it \
         in encrypted mode. The signature covers the body as sent."
    } else {
        "The business object, never encrypted. The signature covers the body as sent."
    };
    json!({
        "required": !e.request.is_empty(),
        "description": description,
        "content": { "application/json": with_example(schema, Some(e.sample_request)) },
    })
}

/// The response envelope, or with `callback` the posted one (which adds `secretKey`).
fn envelope(e: &Endpoint, callback: bool) -> Value {
    let fields = if callback { e.request } else { e.response };
    let mut properties = json!({
        "txID": {
            "type": "string",
            "pattern": "^<T=[0-9a-f]{32}>$",
            "description": "The transaction id, for troubleshooting.",
        },
        "code": {
            "type": "string",
            "enum": codes(e),
            "description": "The return code; `D00000` on success.",
        },
        "message": { "type": "string", "description": "The code's message." },
    });
    if !fields.is_empty() {
        let clear = object_schema(fields);
        let mut content =
            if e.encrypted { json!({ "anyOf": [clear, { "$ref": SEALED }] }) } else { clear };
        content["description"] = "The business result; absent on most failures.".into();
        properties["content"] = content;
    }
    if callback && e.encrypted {
        properties["secretKey"] = json!({
            "type": "string",
            "format": "byte",
            "description": "Encrypted mode: Base64 of the content encryption key that sealed \
                `content`, wrapped with the e-service's RSA key.",
        });
    }
    json!({ "type": "object", "required": ["txID", "code", "message"], "properties": properties })
}

/// A media type object: `schema` plus the sample as `example`, when it parses.
fn with_example(schema: Value, sample: Option<&str>) -> Value {
    let mut media = json!({ "schema": schema });
    if let Some(example) = sample.and_then(|s| serde_json::from_str::<Value>(s).ok()) {
        media["example"] = example;
    }
    media
}

fn object_schema(fields: &[Field]) -> Value {
    let properties: Map<String, Value> =
        fields.iter().map(|f| (f.name.to_owned(), property(f))).collect();
    let required: Vec<&str> = fields.iter().filter(|f| f.is_mandatory()).map(|f| f.name).collect();
    let mut schema = json!({ "type": "object", "properties": properties });
    if !required.is_empty() {
        schema["required"] = required.into();
    }
    schema
}

/// A field's schema with its description, as an object property.
fn property(f: &Field) -> Value {
    let mut schema = schema(f);
    if let Some(text) = field_description(f) {
        schema["description"] = text.into();
    }
    schema
}

fn query_parameter(f: &Field, sample: Option<&Value>) -> Value {
    let mut param = json!({
        "name": f.name,
        "in": "query",
        "required": f.is_mandatory(),
        "schema": schema(f),
    });
    if let Some(text) = field_description(f) {
        param["description"] = text.into();
    }
    if let Some(value) = sample {
        // Query samples are text; a boolean's example must be a boolean.
        param["example"] = match (f.ty, value.as_str()) {
            (FieldType::Boolean, Some(s)) => s.eq_ignore_ascii_case("true").into(),
            _ => value.clone(),
        };
    }
    param
}

fn schema(f: &Field) -> Value {
    let mut schema = match f.ty {
        FieldType::String => string_schema(f),
        FieldType::Integer => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
        FieldType::Boolean => json!({ "type": "boolean" }),
        FieldType::StringArray => json!({ "type": "array", "items": string_schema(f) }),
        FieldType::Object => json!({ "type": "object" }),
    };
    if let Some(max) = f.max_value {
        schema["maximum"] = max.into();
    }
    schema
}

/// The schema of a string, or of each element of a string array.
fn string_schema(f: &Field) -> Value {
    let mut schema = json!({ "type": "string" });
    if let Some(max) = f.max_len {
        schema["maxLength"] = max.into();
    }
    if !f.allowed.is_empty() {
        schema["enum"] = f.allowed.into();
    }
    match f.format {
        Format::Url => schema["format"] = "uri".into(),
        Format::Base64 => schema["format"] = "byte".into(),
        Format::Sha256Base64 => {
            schema["format"] = "byte".into();
            schema["pattern"] = "^[A-Za-z0-9+/]{43}=$".into();
        }
        Format::Ascii => schema["pattern"] = "^[\\x20-\\x7E]*$".into(),
        Format::Token => schema["pattern"] = "^[A-Za-z0-9_-]*$".into(),
        Format::Text | Format::Scopes | Format::StepupMethod => {}
    }
    schema
}

/// The field's text, saying when a conditional field is present; `None` when there is none.
fn field_description(f: &Field) -> Option<String> {
    match (f.presence, f.description) {
        (_, "") => None,
        (Presence::Conditional, text) => Some(format!("Conditional. {text}")),
        (_, text) => Some(text.to_owned()),
    }
}

/// Headers become parameters, except `Content-Type`, which the request body states.
fn is_parameter(h: &Header) -> bool {
    !h.name.eq_ignore_ascii_case("content-type")
}

fn header_parameter(h: &Header) -> Value {
    let schema = match h.ty {
        FieldType::Integer => json!({ "type": "integer", "format": "int64", "minimum": 0 }),
        _ => json!({ "type": "string" }),
    };
    let description = if h.pilot_only {
        format!("Pilot sandbox only. {}", h.description)
    } else {
        h.description.to_owned()
    };
    json!({
        "name": h.name,
        "in": "header",
        "required": h.presence == Presence::Mandatory,
        "description": description,
        "schema": schema,
    })
}

/// The row's description, then its scope and mode, its remarks with their marks, and its
/// codes with their messages, as markdown.
fn description(e: &Endpoint) -> String {
    let mut text = e.description.to_owned();
    let scope = e.scope.map_or("none".to_owned(), |s| format!("`{}`", s.as_str()));
    let mode = match (e.signed, e.encrypted) {
        (true, true) => "signed; `content` encrypted outside plain mode",
        (true, false) => "signed; never encrypted",
        (false, true) => "`content` encrypted outside plain mode",
        (false, false) => "neither signed nor encrypted",
    };
    text.push_str(&format!("\n\nScope: {scope}. Requests are {mode}."));
    if e.path_confidence != Confidence::Confirmed {
        text.push_str(&format!(" Path: {}.", e.path_confidence.mark()));
    }
    if !e.notes.is_empty() {
        text.push_str("\n\nRemarks:\n");
        for note in e.notes {
            text.push_str(&format!("\n- {} {}", note.mark.mark(), note.text));
        }
    }
    text.push_str("\n\nCodes:\n");
    for code in e.codes() {
        text.push_str(&format!("\n- `{}` {}", code.as_str(), code.template()));
    }
    text
}

fn codes(e: &Endpoint) -> Vec<&'static str> {
    e.codes().into_iter().map(Code::as_str).collect()
}

const fn method_key(method: Method) -> &'static str {
    match method {
        Method::Get => "get",
        Method::Post => "post",
    }
}

#[cfg(test)]
mod tests;
