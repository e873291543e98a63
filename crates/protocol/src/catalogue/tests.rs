//! Tests of the catalogue: the table's consistency, its samples, path lookup and the
//! validator's rules.

use serde::{Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use super::*;
use crate::{
    Error,
    vocab::Source,
    wire::{
        AnonymousEmeRequest, AnonymousPdfSigningRequest, AnonymousSigningRequest, AnonymousTicket,
        CallbackEnvelope, Content, EmeRequest, Envelope, FormResult, GetQrQuery, HashSignature,
        KeyResponse, PdfSignature, PdfSigningRequest, ProfileRequest, RedirectQuery, ResultRequest,
        SigningRequest, StepupRequest, StepupResult, TicketResponse, TokenRequest, TokenResponse,
    },
};

/// Parses `value` as `T` and, unless `lossy`, checks that serialising gives it back.
fn round_trip<T: Serialize + DeserializeOwned>(value: &Value, lossy: bool) {
    let parsed: T =
        serde_json::from_value(value.clone()).unwrap_or_else(|err| panic!("{err}: {value}"));
    if !lossy {
        assert_eq!(&serde_json::to_value(&parsed).unwrap(), value);
    }
}

/// Checks an endpoint's request sample against its wire type.
fn check_request_type(endpoint: &Endpoint) {
    use EndpointId::*;
    let sample: Value = serde_json::from_str(endpoint.sample_request).unwrap();
    match endpoint.id {
        // Query values are text, so `brokerPage` comes back as a boolean.
        GetQr => round_trip::<GetQrQuery>(&sample, true),
        AuthCallback => round_trip::<RedirectQuery>(&sample, false),
        GetToken => round_trip::<TokenRequest>(&sample, false),
        Profile => round_trip::<ProfileRequest>(&sample, false),
        ProfileCallback | EmeCallback => round_trip::<CallbackEnvelope<FormResult>>(&sample, false),
        Stepup => round_trip::<StepupRequest>(&sample, false),
        StepupCallback => round_trip::<CallbackEnvelope<StepupResult>>(&sample, false),
        Eme => round_trip::<EmeRequest>(&sample, false),
        AnonymousEme => round_trip::<AnonymousEmeRequest>(&sample, false),
        AnonymousEmeResult | AnonymousSigningResult | AnonymousPdfSigningResult => {
            round_trip::<ResultRequest>(&sample, false)
        }
        Signing => round_trip::<SigningRequest>(&sample, false),
        SigningCallback => round_trip::<CallbackEnvelope<HashSignature>>(&sample, false),
        SigningAck => round_trip::<crate::wire::SigningAck>(&sample, false),
        PdfSigning => round_trip::<PdfSigningRequest>(&sample, false),
        PdfSigningCallback => round_trip::<CallbackEnvelope<PdfSignature>>(&sample, false),
        AnonymousSigning => round_trip::<AnonymousSigningRequest>(&sample, false),
        AnonymousPdfSigning => round_trip::<AnonymousPdfSigningRequest>(&sample, false),
        GetKey | RevokeKey => assert_eq!(sample, json!({})),
    }
}

/// Checks an endpoint's response sample against its wire type.
fn check_response_type(endpoint: &Endpoint) {
    use EndpointId::*;
    let Some(text) = endpoint.sample_response else {
        assert!(endpoint.kind != Kind::Api, "{:?} has no sample response", endpoint.id);
        return;
    };
    let sample: Value = serde_json::from_str(text).unwrap();
    match endpoint.id {
        GetToken => round_trip::<Envelope<TokenResponse>>(&sample, false),
        Profile | Stepup | Eme | Signing | PdfSigning => {
            round_trip::<Envelope<TicketResponse>>(&sample, false)
        }
        AnonymousEme | AnonymousSigning | AnonymousPdfSigning => {
            round_trip::<Envelope<AnonymousTicket>>(&sample, false)
        }
        AnonymousEmeResult => round_trip::<Envelope<FormResult>>(&sample, false),
        AnonymousSigningResult => round_trip::<Envelope<HashSignature>>(&sample, false),
        AnonymousPdfSigningResult => round_trip::<Envelope<PdfSignature>>(&sample, false),
        GetKey => round_trip::<Envelope<KeyResponse>>(&sample, false),
        SigningAck | RevokeKey => {
            let env: Envelope<Content> = serde_json::from_value(sample).unwrap();
            assert!(env.is_success() && env.content.is_none());
        }
        id => panic!("{id:?} should have no sample response"),
    }
}

/// The same endpoint with its response fields as request fields, to validate responses.
fn response_as_request(endpoint: &Endpoint) -> Endpoint {
    Endpoint { request: endpoint.response, ..*endpoint }
}

/// Names of the fields a JSON object holds that `fields` does not list.
fn undocumented(object: &Value, fields: &[Field]) -> Vec<String> {
    let Some(map) = object.as_object() else { return Vec::new() };
    map.keys().filter(|k| !fields.iter().any(|f| f.name == k.as_str())).cloned().collect()
}

fn profile() -> &'static Endpoint {
    get(EndpointId::Profile)
}

fn profile_body() -> Value {
    profile().sample_payload().unwrap()
}

fn signing_body() -> Value {
    get(EndpointId::Signing).sample_payload().unwrap()
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().unwrap().remove(key);
    body
}

#[test]
fn table_is_in_id_order() {
    assert_eq!(all().len(), EndpointId::ALL.len());
    for (endpoint, &id) in all().iter().zip(EndpointId::ALL) {
        assert_eq!(endpoint.id, id);
        assert_eq!(get(id).id, id);
        assert_eq!(EndpointId::parse(id.as_str()), Some(id));
    }
}

#[test]
fn every_category_has_endpoints_and_every_endpoint_a_title() {
    for &category in Category::ALL {
        assert!(in_category(category).next().is_some(), "{category:?}");
    }
    for endpoint in all() {
        assert!(!endpoint.title.is_empty() && !endpoint.description.is_empty());
        for field in endpoint.request.iter().chain(endpoint.response) {
            assert!(!field.description.is_empty(), "{:?}.{}", endpoint.id, field.name);
        }
    }
}

#[test]
fn every_path_resolves_under_both_prefixes() {
    for endpoint in all().iter().filter(|e| e.is_served()) {
        for path in std::iter::once(&endpoint.path).chain(endpoint.aliases) {
            assert!(path.starts_with("/api/v1/"), "{path}");
            let pilot = format!("{PILOT_PREFIX}{path}");
            for candidate in [path.to_string(), pilot, format!("{path}?x=1")] {
                let found = find(endpoint.method, &candidate).map(|e| e.id);
                assert_eq!(found, Some(endpoint.id), "{candidate}");
            }
        }
        let other = if endpoint.method == Method::Get { Method::Post } else { Method::Get };
        assert!(find(other, endpoint.path).is_none());
    }
    assert_eq!(get(EndpointId::GetQr).pilot_path(), "/authentication/api/v1/auth/getQR");
}

#[test]
fn find_resolves_e_me_alias_and_nothing_else() {
    let alias = "/authentication/api/v1/account/auth/eme/initiateRequest";
    assert_eq!(find(Method::Post, alias).map(|e| e.id), Some(EndpointId::Eme));
    assert!(find(Method::Post, "/api/v1/auth/getToken/").is_none());
    assert!(find(Method::Post, "/authenticationapi/v1/auth/getToken").is_none());
    assert!(find(Method::Get, "{redirectURI}").is_none());
    assert!(find(Method::Post, "/api/v2/auth/getToken").is_none());
}

#[test]
fn every_sample_parses_with_its_wire_type() {
    for endpoint in all() {
        check_request_type(endpoint);
        check_response_type(endpoint);
    }
}

#[test]
fn every_sample_passes_check_fields() {
    for endpoint in all() {
        let payload = endpoint.sample_payload().unwrap();
        assert_eq!(check_fields(endpoint, &payload), Ok(()), "{:?}", endpoint.id);
        assert_eq!(
            undocumented(&payload, endpoint.request),
            Vec::<String>::new(),
            "{:?}",
            endpoint.id
        );
        let Some(text) = endpoint.sample_response else { continue };
        let content = serde_json::from_str::<Value>(text).unwrap()["content"].clone();
        let as_request = response_as_request(endpoint);
        assert_eq!(check_fields(&as_request, &content), Ok(()), "{:?} response", endpoint.id);
        assert_eq!(undocumented(&content, endpoint.response), Vec::<String>::new());
    }
}

#[test]
fn every_code_appears_in_some_endpoint() {
    for &code in Code::ALL {
        assert!(all().iter().any(|e| e.can_return(code)), "{code} is in no endpoint");
    }
}

#[test]
fn every_api_can_fail_on_parameters_and_callbacks_point_at_callbacks() {
    for endpoint in all() {
        if endpoint.kind == Kind::Api {
            assert!(endpoint.signed && endpoint.can_return(Code::MissingParameter));
        }
        if let Some(callback) = endpoint.callback() {
            assert!(matches!(callback.kind, Kind::Redirect | Kind::Callback));
            assert_eq!(callback.path, "{redirectURI}");
        }
    }
    let codes = get(EndpointId::SigningCallback).codes();
    assert!(codes.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn get_qr_sources_exclude_app_initiated() {
    let field = get(EndpointId::GetQr).request_field("source").unwrap();
    let expected: Vec<&str> =
        Source::ALL.iter().filter(|s| s.allowed_for_get_qr()).map(|s| s.as_str()).collect();
    assert_eq!(field.allowed, expected);
}

#[test]
fn check_fields_reports_missing_first() {
    let body = without(without(profile_body(), "openID"), "profileFields");
    assert_eq!(check_fields(profile(), &body), Err(Error::MissingParameter("openID".into())));
}

#[test]
fn check_fields_reports_null_as_missing() {
    let body = with(profile_body(), "accessToken", Value::Null);
    assert_eq!(check_fields(profile(), &body), Err(Error::MissingParameter("accessToken".into())));
}

#[test]
fn check_fields_reports_first_violation_in_field_order() {
    // `source` comes before `profileFields`, so its problem wins.
    let body = without(with(profile_body(), "source", json!("Lynx")), "profileFields");
    assert_eq!(check_fields(profile(), &body), Err(Error::UnsupportedSource));
    let body = with(with(profile_body(), "businessID", json!("")), "accessToken", json!(7));
    assert_eq!(check_fields(profile(), &body), Err(Error::EmptyParameter("businessID".into())));
}

#[test]
fn check_fields_reports_blank_mandatory_as_empty() {
    for blank in [json!(""), json!("  "), json!([])] {
        let body = with(profile_body(), "profileFields", blank);
        assert_eq!(
            check_fields(profile(), &body),
            Err(Error::EmptyParameter("profileFields".into()))
        );
    }
}

#[test]
fn check_fields_treats_blank_optional_as_absent() {
    let body = with(profile_body(), "state", json!(""));
    assert_eq!(check_fields(profile(), &body), Ok(()));
}

#[test]
fn check_fields_rejects_wrong_type() {
    let cases = [
        ("businessID", json!(12345)),
        ("profileFields", json!("idNo")),
        ("profileFields", json!([1])),
        ("state", json!(true)),
    ];
    for (name, value) in cases {
        let body = with(profile_body(), name, value);
        assert_eq!(check_fields(profile(), &body), Err(Error::InvalidParameter(name.into())));
    }
    let body = with(signing_body(), "stepupAuthPeriod", json!("24"));
    let err = check_fields(get(EndpointId::Signing), &body);
    assert_eq!(err, Err(Error::InvalidParameter("stepupAuthPeriod".into())));
}

#[test]
fn check_fields_rejects_too_long() {
    let body = with(profile_body(), "businessID", json!("b".repeat(37)));
    assert_eq!(check_fields(profile(), &body), Err(Error::InvalidParameter("businessID".into())));
    // Lengths count characters, not bytes.
    let body = with(profile_body(), "businessID", json!("b".repeat(36)));
    assert_eq!(check_fields(profile(), &body), Ok(()));
    let eme = get(EndpointId::Eme);
    let body = with(eme.sample_payload().unwrap(), "formNum", json!("表".repeat(20)));
    assert_eq!(check_fields(eme, &body), Ok(()));
    let body = with(eme.sample_payload().unwrap(), "formNum", json!("表".repeat(21)));
    assert_eq!(check_fields(eme, &body), Err(Error::InvalidParameter("formNum".into())));
}

#[test]
fn check_fields_rejects_integer_above_max() {
    let signing = get(EndpointId::Signing);
    assert_eq!(
        check_fields(signing, &with(signing_body(), "stepupAuthPeriod", json!(720))),
        Ok(())
    );
    for bad in [json!(721), json!(-1), json!(1.5)] {
        let body = with(signing_body(), "stepupAuthPeriod", bad);
        let err = Error::InvalidParameter("stepupAuthPeriod".into());
        assert_eq!(check_fields(signing, &body), Err(err));
    }
}

#[test]
fn check_fields_rejects_value_not_allowed() {
    let body = with(signing_body(), "sigAlgo", json!("sha256withrsa"));
    let err = check_fields(get(EndpointId::Signing), &body);
    assert_eq!(err, Err(Error::InvalidParameter("sigAlgo".into())));
    let body = with(profile_body(), "profileFields", json!(["idNo", "mobileNumber"]));
    assert_eq!(
        check_fields(profile(), &body),
        Err(Error::InvalidParameter("profileFields".into()))
    );
}

#[test]
fn check_fields_reports_bad_source_as_unsupported() {
    for bad in [json!("android_chrome"), json!(3)] {
        let body = with(profile_body(), "source", bad);
        assert_eq!(check_fields(profile(), &body), Err(Error::UnsupportedSource));
    }
}

#[test]
fn check_fields_rejects_bad_formats() {
    let signing = get(EndpointId::Signing);
    let cases = [
        ("businessID", json!("naïve")),
        ("state", json!("a b")),
        ("hashCode", json!("not base64!")),
        ("HKICHash", json!("aGVsbG8=")),
        ("redirectURI", json!("/relative/path")),
        ("redirectURI", json!("https://rp.example.com/a b")),
        ("stepupAuthMethod", json!("{\"unary\":[\"FR\",\"NFC\"]}")),
        ("stepupAuthMethod", json!("{\"or\":[\"FR\"]}")),
        ("stepupAuthMethod", json!("{\"and\":[\"FR\",\"PIN\"]}")),
        ("stepupAuthMethod", json!("FR")),
    ];
    for (name, value) in cases {
        let body = with(signing_body(), name, value.clone());
        let err = Error::InvalidParameter(name.into());
        assert_eq!(check_fields(signing, &body), Err(err), "{name} = {value}");
    }
    let body = with(signing_body(), "stepupAuthMethod", json!("{\"and\":[\"FR\",\"NFC\"]}"));
    assert_eq!(check_fields(signing, &body), Ok(()));
    let body = with(signing_body(), "redirectURI", json!("hk.example.app://iamsmart/done"));
    assert_eq!(check_fields(signing, &body), Ok(()));
}

#[test]
fn check_fields_checks_scope_lists_and_boolean_text() {
    let get_qr = get(EndpointId::GetQr);
    let query = get_qr.sample_payload().unwrap();
    let body = with(query.clone(), "scope", json!("eidapi_auth EIDAPI_SIGN"));
    assert_eq!(check_fields(get_qr, &body), Err(Error::InvalidParameter("scope".into())));
    for flag in [json!("True"), json!(true), json!("FALSE")] {
        assert_eq!(check_fields(get_qr, &with(query.clone(), "brokerPage", flag)), Ok(()));
    }
    let body = with(query, "brokerPage", json!("yes"));
    assert_eq!(check_fields(get_qr, &body), Err(Error::InvalidParameter("brokerPage".into())));
}

#[test]
fn check_fields_ignores_unknown_fields_and_non_objects() {
    let body = with(profile_body(), "lang", json!("xx"));
    assert_eq!(check_fields(profile(), &body), Ok(()));
    assert_eq!(check_fields(get(EndpointId::GetKey), &Value::Null), Ok(()));
    assert_eq!(
        check_fields(profile(), &json!(["businessID"])),
        Err(Error::MissingParameter("businessID".into()))
    );
}

#[test]
fn check_fields_with_tolerates_app_sources_on_get_qr_only() {
    let get_qr = get(EndpointId::GetQr);
    let body = with(get_qr.sample_payload().unwrap(), "source", json!("App_Scheme"));
    assert_eq!(check_fields(get_qr, &body), Err(Error::UnsupportedSource));
    let lenient = CheckOptions { get_qr_app_sources: true };
    assert_eq!(check_fields_with(get_qr, &body, &lenient), Ok(()));
    let body = with(body, "source", json!("App_Other"));
    assert_eq!(check_fields_with(get_qr, &body, &lenient), Err(Error::UnsupportedSource));
}

#[test]
fn decode_checks_then_parses() {
    let request: ProfileRequest = decode(profile(), &profile_body()).unwrap();
    assert_eq!(request.logged_in.business_id, "bbb8aae57c104cda40c93843ad5e6db8");
    let body = without(profile_body(), "redirectURI");
    let err = decode::<ProfileRequest>(profile(), &body).unwrap_err();
    assert_eq!(err, Error::MissingParameter("redirectURI".into()));
}
