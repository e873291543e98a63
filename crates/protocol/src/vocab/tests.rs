//! Tests of the wire vocabularies: spellings, parse errors, helpers and serde.

use super::*;

/// Checks that every value of a vocabulary round-trips through its spelling and serde.
fn check_round_trip<T>(all: &[T], names: &[&str], parse: fn(&str) -> Result<T, Error>)
where
    T: Copy + PartialEq + fmt::Debug + fmt::Display + Serialize + for<'de> Deserialize<'de>,
{
    assert_eq!(all.len(), names.len());
    for (&value, &name) in all.iter().zip(names) {
        assert_eq!(value.to_string(), name);
        assert_eq!(parse(name), Ok(value));
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
    }
}

#[test]
fn every_vocabulary_round_trips() {
    check_round_trip(Source::ALL, Source::NAMES, Source::parse);
    check_round_trip(Lang::ALL, Lang::NAMES, Lang::parse);
    check_round_trip(Scope::ALL, Scope::NAMES, Scope::parse);
    check_round_trip(ProfileField::ALL, ProfileField::NAMES, ProfileField::parse);
    check_round_trip(EmeField::ALL, EmeField::NAMES, EmeField::parse);
    check_round_trip(SigAlgo::ALL, SigAlgo::NAMES, SigAlgo::parse);
    check_round_trip(SigningResult::ALL, SigningResult::NAMES, SigningResult::parse);
    check_round_trip(UserType::ALL, UserType::NAMES, UserType::parse);
    check_round_trip(GrantType::ALL, GrantType::NAMES, GrantType::parse);
    check_round_trip(ResponseType::ALL, ResponseType::NAMES, ResponseType::parse);
    check_round_trip(TokenType::ALL, TokenType::NAMES, TokenType::parse);
}

#[test]
fn source_parse_rejects_with_unsupported_source() {
    assert_eq!(Source::parse("android_chrome"), Err(Error::UnsupportedSource));
    assert_eq!(Source::parse(""), Err(Error::UnsupportedSource));
    assert_eq!(Source::parse("PC_Browser"), Ok(Source::PcBrowser));
}

#[test]
fn parse_rejects_with_invalid_parameter_naming_it() {
    let cases: [(Error, &str); 6] = [
        (Lang::parse("en").unwrap_err(), "lang"),
        (Scope::parse("EIDAPI_AUTH").unwrap_err(), "scope"),
        (ProfileField::parse("idno").unwrap_err(), "profileFields"),
        (EmeField::parse("address").unwrap_err(), "eMEFields"),
        (SigningResult::parse("SR004").unwrap_err(), "signingResult"),
        (GrantType::parse("client_credentials").unwrap_err(), "grantType"),
    ];
    for (err, param) in cases {
        assert_eq!(err, Error::InvalidParameter(param.into()));
    }
}

#[test]
fn source_helpers_partition_the_sources() {
    for &source in Source::ALL {
        let kinds = [source.is_mobile_browser(), source.is_app(), source.is_desktop()];
        assert_eq!(kinds.iter().filter(|&&k| k).count(), 1, "{source}");
    }
    let rejected: Vec<_> = Source::ALL.iter().filter(|s| !s.allowed_for_get_qr()).collect();
    assert_eq!(rejected, [&Source::AppLink, &Source::AppScheme]);
    assert!(Source::AppPackage.allowed_for_get_qr());
    assert!(Source::IosEdge.is_mobile_browser());
}

#[test]
fn lang_defaults_to_traditional_chinese() {
    assert_eq!(Lang::default(), Lang::ZhHk);
}

#[test]
fn scopes_parse_space_delimited_case_sensitive_list() {
    let scopes = Scopes::parse("eidapi_auth  eidapi_sign eidapi_auth").unwrap();
    assert_eq!(scopes.iter().collect::<Vec<_>>(), [Scope::Auth, Scope::Sign]);
    assert_eq!(scopes.to_string(), "eidapi_auth eidapi_sign");
    assert!(scopes.contains(Scope::Sign) && !scopes.contains(Scope::Fr));
    assert_eq!(
        Scopes::parse("eidapi_auth eidapi_Sign"),
        Err(Error::InvalidParameter("scope".into()))
    );
    assert_eq!(Scopes::parse(" "), Err(Error::EmptyParameter("scope".into())));
}

#[test]
fn scopes_cover_subsets_only() {
    let approved = Scopes::parse("eidapi_auth eidapi_profiles eidapi_sign").unwrap();
    assert!(approved.covers(&Scopes::parse("eidapi_sign eidapi_auth").unwrap()));
    assert!(!approved.covers(&Scopes::parse("eidapi_auth eidapi_fr").unwrap()));
}

#[test]
fn scopes_serialise_as_one_string() {
    let scopes: Scopes = [Scope::Auth, Scope::FormFilling].into_iter().collect();
    let json = serde_json::to_string(&scopes).unwrap();
    assert_eq!(json, r#""eidapi_auth eidapi_formFilling""#);
    assert_eq!(serde_json::from_str::<Scopes>(&json).unwrap(), scopes);
    assert!(serde_json::from_str::<Scopes>(r#""eidapi_x""#).is_err());
}

#[test]
fn unknown_spelling_fails_deserialisation() {
    assert!(serde_json::from_str::<Source>(r#""Windows_IE""#).is_err());
    assert!(serde_json::from_str::<UserType>(r#""Sign""#).is_err());
}
