//! Round-trip tests of the wire types against the reference's JSON samples.

use serde_json::{Value, json};

use super::*;
use crate::vocab::{EmeField, ProfileField, Scope, SigningResult, Source, UserType};

/// Parses `text` as `T`, then checks that serialising gives back the same JSON.
fn check_round_trip<T: Serialize + DeserializeOwned>(text: &str) -> T {
    let parsed: T = serde_json::from_str(text).unwrap();
    let original: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), original, "{text}");
    parsed
}

#[test]
fn tx_id_from_bytes_is_lowercase_hex_in_brackets() {
    let tx = TxId::from_bytes([
        0x93, 0x8f, 0xfb, 0x19, 0x3b, 0x4b, 0x43, 0x70, 0xb6, 0xc2, 0x58, 0x43, 0x72, 0xc6, 0xa5,
        0x88,
    ]);
    assert_eq!(tx.as_str(), "<T=938ffb193b4b4370b6c2584372c6a588>");
    assert_eq!(TxId::parse(tx.as_str()), Ok(tx));
}

#[test]
fn tx_id_parse_rejects_other_shapes() {
    for bad in [
        "T=938ffb193b4b4370b6c2584372c6a588",
        "<T=938FFB193B4B4370B6C2584372C6A588>",
        "<T=938ffb193b4b4370b6c2584372c6a58>",
        "<T=938ffb193b4b4370b6c2584372c6a58g>",
    ] {
        assert_eq!(TxId::parse(bad), Err(Error::InvalidParameter("txID".into())), "{bad}");
    }
}

#[test]
fn sealed_envelope_round_trips() {
    let env: Envelope = check_round_trip(
        r#"{"txID":"<T=938ffb193b4b4370b6c2584372c6a588>","code":"D00000","message":"SUCCESS",
            "content":"AAAADMyFJ3Lm1wq7QqCmFwx3b1gY3Zp0"}"#,
    );
    assert!(env.is_success());
    assert!(env.content.unwrap().is_sealed());
}

#[test]
fn clear_pilot_envelope_round_trips() {
    let text = r#"{"txID":"<T=938ffb193b4b4370b6c2584372c6a588>","code":"D00000",
        "message":"SUCCESS","content":{"authByQR":true}}"#;
    let env: Envelope = check_round_trip(text);
    let ticket: TicketResponse = env.content.unwrap().to_clear().unwrap();
    assert_eq!(ticket, TicketResponse { auth_by_qr: true, ticket_id: None });
    let typed: Envelope<TicketResponse> = check_round_trip(text);
    assert_eq!(typed.content, Some(ticket));
}

#[test]
fn error_envelope_has_no_content() {
    let text = r#"{"txID":"<T=0123456789abcdef0123456789abcdef>","code":"D40004",
        "message":"authCode not exist or expired"}"#;
    let env: Envelope = check_round_trip(text);
    assert_eq!(env.code, Code::AuthCodeInvalid);
    let built = Envelope::<Content>::failure(env.tx_id.clone(), &Error::AuthCodeInvalid);
    assert_eq!(built, env);
}

#[test]
fn failure_envelope_names_the_parameter() {
    let tx = TxId::from_bytes([0; 16]);
    let env = Envelope::<Content>::failure(tx, &Error::EmptyParameter("hashCode".into()));
    let value = serde_json::to_value(&env).unwrap();
    assert_eq!(
        value,
        json!({"txID": "<T=00000000000000000000000000000000>", "code": "D20002",
               "message": "empty parameter hashCode"})
    );
}

#[test]
fn success_envelope_carries_content() {
    let tx = TxId::from_bytes([0xab; 16]);
    let env =
        Envelope::success(tx, TicketResponse { auth_by_qr: false, ticket_id: Some("t1".into()) });
    assert_eq!(
        serde_json::to_value(&env).unwrap(),
        json!({"txID": "<T=abababababababababababababababab>", "code": "D00000",
               "message": "SUCCESS", "content": {"authByQR": false, "ticketID": "t1"}})
    );
}

#[test]
fn unknown_code_fails_deserialisation() {
    let text = r#"{"txID":"x","code":"D20102","message":"empty parameter {hashCode}"}"#;
    assert!(serde_json::from_str::<Envelope>(text).is_err());
}

#[test]
fn get_key_response_round_trips() {
    let env: Envelope<KeyResponse> = check_round_trip(
        r#"{"txID":"<T=938ffb193b4b4370b6c2584372c6a588>","code":"D00000","message":"SUCCESS",
            "content":{"secretKey":"bXkgd3JhcHBlZCBrZXk=","pubKey":"cHVibGljIGtleQ==",
                       "issueAt":1556450176000,"expiresIn":1556456176000}}"#,
    );
    let key = env.content.unwrap();
    assert_eq!(key.issue_at, 1_556_450_176_000);
    assert_eq!(key.expires_in, 1_556_456_176_000);
}

#[test]
fn get_token_round_trips() {
    let req: TokenRequest = check_round_trip(
        r#"{"code":"1b3f6d2ea0c94b0e8b5a8c3f2d9e7a61","grantType":"authorization_code"}"#,
    );
    assert_eq!(req.code, "1b3f6d2ea0c94b0e8b5a8c3f2d9e7a61");
    let res: TokenResponse = check_round_trip(
        r#"{"accessToken":"d75f071180e842c28828097361a628fd","tokenType":"Bearer",
            "issueAt":1557048906183,"expiresIn":14400000,
            "openID":"liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
            "lastModifiedDate":1556450176000,"userType":"sign",
            "scope":"eidapi_auth eidapi_formFilling"}"#,
    );
    assert_eq!(res.user_type, UserType::Sign);
    assert!(res.scope.contains(Scope::FormFilling));
}

#[test]
fn seed_profile_request_round_trips() {
    let req: ProfileRequest = check_round_trip(
        r#"{"businessID":"bbb8aae57c104cda40c93843ad5e6db8",
            "accessToken":"d75f071180e842c28828097361a628fd",
            "openID":"8af3c091e7b14d9c837afb80fe80364","source":"Android_Chrome",
            "redirectURI":"https://rp.example.com/iamsmart/profile","state":"eddd527b6",
            "profileFields":["idNo","enName"]}"#,
    );
    assert_eq!(req.logged_in.source, Source::AndroidChrome);
    assert_eq!(req.profile_fields, [ProfileField::IdNo, ProfileField::EnName]);
}

#[test]
fn eme_request_round_trips_and_skips_absent_fields() {
    let req: EmeRequest = check_round_trip(
        r#"{"businessID":"b1","accessToken":"a","openID":"o","source":"PC_Browser",
            "redirectURI":"https://rp.example.com/cb","formName":"申請表","formNum":"F-1",
            "eMEFields":["mobileNumber","residentialAddress"]}"#,
    );
    assert_eq!(req.form.eme_fields, [EmeField::MobileNumber, EmeField::ResidentialAddress]);
    assert_eq!(req.logged_in.state, None);
}

#[test]
fn profile_callback_round_trips() {
    let cb: CallbackEnvelope = check_round_trip(
        r#"{"txID":"<T=938ffb193b4b4370b6c2584372c6a588>","code":"D00000","message":"SUCCESS",
            "content":"AAAADBQ2cGx0ZXh0","secretKey":"V3JhcHBlZCBDRUs="}"#,
    );
    assert_eq!(cb.secret_key.as_deref(), Some("V3JhcHBlZCBDRUs="));
    let payload: FormResult = check_round_trip(
        r#"{"businessID":"bbb8aae57c104cda40c93843ad5e6db8","state":"eddd527b6",
            "idNo":{"Identification":"A123456","CheckDigit":"A"},
            "enName":{"UnstructuredName":"SAN, Chi Nan"},"chName":{"ChineseName":"申智能"},
            "birthDate":"19960128","gender":"M"}"#,
    );
    let id_no = payload.data.id_no.unwrap();
    assert_eq!((id_no.identification.as_str(), id_no.check_digit.as_str()), ("A123456", "A"));
}

#[test]
fn eme_callback_with_every_field_round_trips() {
    let payload: FormResult = check_round_trip(
        r#"{"businessID":"b2","prefix":"Mr","chNameVerified":"申智能","maritalStatus":"S",
            "homeTelNumber":{"CountryCode":"852","SubscriberNumber":"23456789"},
            "officeTelNumber":{"CountryCode":"852","SubscriberNumber":"34567890"},
            "mobileNumber":{"CountryCode":"852","SubscriberNumber":"98765432"},
            "emailAddress":"scn@digitalpolicy.gov.hk","educationLevel":"T",
            "residentialAddress":{"ChiPremisesAddress":{"Region":"香港",
                "ChiDistrict":{"DcDistrict":"WC","Sub-district":"灣仔"},
                "BuildingName":"灣仔政府大樓",
                "ChiEstate":{"EstateName":"華富","ChiPhase":{"PhaseName":"華清"}},
                "ChiStreet":{"StreetName":"港灣道","BuildingNoFrom":"12"},
                "ChiBlock":{"BlockDescriptor":"座","BlockNo":"東"},
                "Chi3dAddress":{"ChiFloor":{"FloorNum":"15"},
                                "ChiUnit":{"UnitDescriptor":"室","UnitNo":"A1"}}}},
            "postalAddress":{"PostBoxAddress":{"EngPostBox":{"PoBoxNo":24700,
                "PostOffice":"ABERDEEN POST OFFICE","PostOfficeRegion":"HONG KONG"}}},
            "addressDocInfo":{"enProviderName":"Water Supplies Department",
                "enUserName":"SAN, Chi Nan",
                "enServiceAddress":{"addressLine1":"FLAT A1, 15/F","addressLine2":"12 HARBOUR ROAD"},
                "lastRetrievalDate":1556450176000},
            "addressDocFile":{"docFile":"JVBERi0xLjQK","docHash":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "billDate":1556450176000}}"#,
    );
    assert!(matches!(payload.data.postal_address, Some(Address::PostBoxAddress(_))));
}

#[test]
fn english_lot_and_free_format_addresses_round_trip() {
    let lot: Address = check_round_trip(
        r#"{"EngPremisesAddress":{"EngLot":{"EngStructuredLot":{"DdType":"DD","DdNo":"110",
            "LotType":"LOT","LotNo":"157","LotSection1":"A","LotSubsection1":"1",
            "LotSection2":"B","LotSubsection2":"1","LotSection3":"AA","LotSubsection3":"1",
            "LotExtendPortionCode":"3"}}}}"#,
    );
    assert!(matches!(lot, Address::EngPremisesAddress(_)));
    let free: Address = check_round_trip(
        r#"{"FreeFormatAddress":{"LanguageCode":"en","AddressLine1":"FLAT A1",
            "AddressLine2":"12 HARBOUR ROAD","AddressLine3":"WAN CHAI"}}"#,
    );
    assert!(matches!(free, Address::FreeFormatAddress(_)));
}

#[test]
fn address_holds_exactly_one_variant() {
    let two = r#"{"FreeFormatAddress":{},"PostBoxAddress":{}}"#;
    assert!(serde_json::from_str::<Address>(two).is_err());
    assert!(serde_json::from_str::<Address>("{}").is_err());
}

#[test]
fn signing_payloads_round_trip() {
    let req: SigningRequest = check_round_trip(
        r#"{"businessID":"b3","accessToken":"a","openID":"o","source":"App_Link",
            "redirectURI":"https://rp.example.com/sign","hashCode":"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
            "sigAlgo":"NONEwithRSA","HKICHash":"5ZbGfjdnObxuCqfYkD3AP5bkiL5vkZ6mc1f8u1z0R2E=",
            "serviceName":"Tax return","documentName":"BIR60",
            "stepupAuthMethod":"{\"unary\":[\"FR\"]}","stepupAuthPeriod":24}"#,
    );
    assert_eq!(req.info.stepup_auth_period, Some(24));
    let cb: HashSignature = check_round_trip(
        r#"{"businessID":"b3","state":"s","hashCode":"n4bQ","timestamp":1557048906183,
            "signature":"c2ln","cert":"Y2VydA=="}"#,
    );
    assert_eq!(cb.timestamp, Some(1_557_048_906_183));
    let ack: SigningAck = check_round_trip(r#"{"businessID":"b3","signingResult":"SR001"}"#);
    assert_eq!(ack.signing_result, SigningResult::Accepted);
    let pdf: PdfSignature =
        check_round_trip(r#"{"businessID":"b4","docDigest":"ZGln","pdfSignature":"cGtjczc="}"#);
    assert_eq!(pdf.state, None);
}

#[test]
fn anonymous_payloads_round_trip() {
    let _: AnonymousEmeRequest = check_round_trip(
        r#"{"businessID":"b5","formName":"Open account","eMEFields":["emailAddress"]}"#,
    );
    let _: AnonymousSigningRequest = check_round_trip(
        r#"{"businessID":"b6","hashCode":"aGFzaA==","HKICHash":"aGtpYw==","serviceName":"S",
            "documentName":"D"}"#,
    );
    let _: AnonymousPdfSigningRequest = check_round_trip(
        r#"{"businessID":"b7","docDigest":"ZGln","serviceName":"S","documentName":"D"}"#,
    );
    let _: AnonymousTicket = check_round_trip(r#"{"businessID":"b6","ticketID":"t6"}"#);
    let _: ResultRequest =
        check_round_trip(r#"{"businessID":"b6","accessToken":"a","openID":"o"}"#);
}

#[test]
fn redirect_url_percent_encodes_values() {
    let query = RedirectQuery::success("c0de".into(), Some("a b&c=d/é".into()));
    assert_eq!(
        query.redirect_url("https://rp.example.com/cb"),
        "https://rp.example.com/cb?code=c0de&state=a%20b%26c%3Dd%2F%C3%A9"
    );
    assert_eq!(RedirectQuery::parse("code=c0de&state=a%20b%26c%3Dd%2F%C3%A9"), Ok(query));
}

#[test]
fn redirect_url_keeps_existing_query_and_fragment() {
    let query = RedirectQuery::failure(Code::MissingParameter, Some("eddd527b6".into()));
    assert_eq!(
        query.redirect_url("https://rp.example.com/cb?lang=en#top"),
        "https://rp.example.com/cb?lang=en&error_code=D20001&state=eddd527b6#top"
    );
    assert_eq!(
        query.redirect_url("https://rp.example.com/cb"),
        "https://rp.example.com/cb?error_code=D20001&state=eddd527b6"
    );
}

#[test]
fn anonymous_redirect_names_business_id_first() {
    let query = RedirectQuery::success("c".into(), Some("s".into())).with_business_id("b 1".into());
    assert_eq!(
        query.redirect_url("https://rp.example.com/cb?"),
        "https://rp.example.com/cb?businessID=b%201&code=c&state=s"
    );
}

#[test]
fn redirect_parse_rejects_unknown_error_code_and_bad_escapes() {
    assert_eq!(
        RedirectQuery::parse("error_code=D99999"),
        Err(Error::InvalidParameter("error_code".into()))
    );
    assert_eq!(RedirectQuery::parse("state=%G1"), Err(Error::InvalidParameter("state".into())));
    assert_eq!(RedirectQuery::parse("state=%C3"), Err(Error::InvalidParameter("state".into())));
}

#[test]
fn get_qr_query_builds_and_parses() {
    let query = GetQrQuery {
        client_id: "edae2e2529ff46228af1e4d18c8405d1".into(),
        response_type: crate::vocab::ResponseType::Code,
        source: Source::PcBrowser,
        redirect_uri: "https://rp.example.com/login?x=1".into(),
        scope: crate::vocab::Scopes::parse("eidapi_auth eidapi_profiles").unwrap(),
        lang: Some(crate::vocab::Lang::EnUs),
        state: Some("eddd527b6".into()),
        broker_page: Some(false),
        ticket_id: None,
    };
    let url = query.url("https://sandbox.example/api/v1/auth/getQR");
    assert_eq!(
        url,
        "https://sandbox.example/api/v1/auth/getQR?clientID=edae2e2529ff46228af1e4d18c8405d1\
         &responseType=code&source=PC_Browser&redirectURI=https%3A%2F%2Frp.example.com%2Flogin%3Fx%3D1\
         &scope=eidapi_auth%20eidapi_profiles&lang=en-US&state=eddd527b6&brokerPage=false"
    );
    let (_, raw) = url.split_once('?').unwrap();
    let object = query_object(raw).unwrap();
    let parsed: GetQrQuery = serde_json::from_value(Value::Object(object)).unwrap();
    assert_eq!(parsed, query);
}

#[test]
fn get_qr_broker_page_accepts_capitalised_text() {
    let object = query_object(
        "clientID=c&responseType=code&source=iOS_Safari&redirectURI=x&scope=eidapi_auth+eidapi_sign&brokerPage=True",
    )
    .unwrap();
    let parsed: GetQrQuery = serde_json::from_value(Value::Object(object)).unwrap();
    assert_eq!(parsed.broker_page, Some(true));
    assert!(parsed.scope.contains(Scope::Sign));
    assert_eq!(parsed.lang_or_default(), crate::vocab::Lang::ZhHk);
}

#[test]
fn query_object_keeps_first_of_repeated_keys() {
    let object = query_object("?a=1&a=2&b").unwrap();
    assert_eq!(Value::Object(object), json!({"a": "1", "b": ""}));
}

#[test]
fn percent_encode_keeps_only_unreserved() {
    assert_eq!(percent_encode("AZaz09-._~ +/=?"), "AZaz09-._~%20%2B%2F%3D%3F");
}
