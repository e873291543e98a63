//! Tests of the scenario catalogue: names, parsing and the codes each scenario promises.

use super::*;

#[test]
fn every_scenario_parses_from_its_name() {
    for &scenario in Scenario::CATALOGUE {
        assert_eq!(Scenario::parse(scenario.name()), Ok(scenario), "{scenario}");
        assert_eq!(scenario.to_string().parse::<Scenario>(), Ok(scenario));
        assert!(!scenario.description().is_empty());
    }
}

#[test]
fn names_are_unique_kebab_case() {
    let mut names: Vec<&str> = Scenario::CATALOGUE.iter().map(|it| it.name()).collect();
    assert!(names.iter().all(|n| n.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    names.sort();
    names.dedup();
    assert_eq!(names.len(), Scenario::CATALOGUE.len());
}

#[test]
fn slow_approval_takes_a_delay_in_seconds() {
    assert_eq!(
        Scenario::parse("slow-approval:30"),
        Ok(Scenario::SlowApproval { delay_ms: 30_000 })
    );
    assert_eq!(Scenario::SlowApproval { delay_ms: 30_000 }.to_string(), "slow-approval:30");
    assert_eq!(
        Scenario::parse("slow-approval"),
        Ok(Scenario::SlowApproval { delay_ms: Scenario::DEFAULT_SLOW_APPROVAL_MS })
    );
    for bad in ["slow-approval:", "slow-approval:x", "slow-approval30", "Bad-Signature", ""] {
        assert_eq!(Scenario::parse(bad), Err(Error::InvalidParameter("scenario".into())), "{bad}");
    }
}

#[test]
fn scenarios_serialise_as_their_names() {
    let json = serde_json::to_string(&Scenario::SlowApproval { delay_ms: 5_000 }).unwrap();
    assert_eq!(json, "\"slow-approval:5\"");
    let back: Scenario = serde_json::from_str("\"hkic-mismatch\"").unwrap();
    assert_eq!(back, Scenario::HkicMismatch);
    assert!(serde_json::from_str::<Scenario>("\"no-such-thing\"").is_err());
}

#[test]
fn refusal_scenarios_produce_the_flow_family_code() {
    let check = |scenario: Scenario, expect: [&str; 6]| {
        let got: Vec<&str> = Flow::ALL.iter().map(|&f| scenario.code(f).as_str()).collect();
        assert_eq!(got, expect, "{scenario}");
    };
    check(Scenario::UserDeclined, ["D40001", "D50001", "D60001", "D80001", "D70001", "D70001"]);
    check(Scenario::UserCancelled, ["D40000", "D40000", "D60000", "D80001", "D70000", "D70000"]);
    check(Scenario::AppTimeout, ["D40003", "D50003", "D60003", "D80003", "D70003", "D70003"]);
    check(Scenario::BiometricFail, ["D40002", "D50002", "D60002", "D80002", "D70002", "D70002"]);
}

#[test]
fn other_scenarios_produce_one_code() {
    let check = |scenario: Scenario, expect: &str| {
        assert_eq!(scenario.codes().iter().map(|c| c.as_str()).collect::<Vec<_>>(), [expect]);
    };
    check(Scenario::BadSignature, "D20006");
    check(Scenario::ReplayedNonce, "D20004");
    check(Scenario::ServerError, "D20000");
    check(Scenario::ExpiredCek, "D30002");
    check(Scenario::KekMissing, "D30001");
    check(Scenario::DecryptFail, "D30004");
    check(Scenario::EncryptFail, "D30003");
    check(Scenario::IdCardError, "D40035");
    check(Scenario::SlowApproval { delay_ms: 1 }, "D00000");
    check(Scenario::ExpiredAuthCode, "D40004");
    check(Scenario::TokenExpired, "D20009");
    check(Scenario::UnknownOpenId, "D20010");
    check(Scenario::InsufficientScope, "D20012");
    check(Scenario::DuplicateBusinessId, "D20011");
    check(Scenario::NotIamSmartPlus, "D70004");
    check(Scenario::HkicMismatch, "D70005");
    check(Scenario::AckFailed, "D70006");
}

#[test]
fn request_faults_map_to_errors_with_the_same_code() {
    for &scenario in Scenario::CATALOGUE {
        if scenario.is_user_outcome() {
            continue;
        }
        assert_eq!(scenario.error(Flow::Login).code(), scenario.code(Flow::Login), "{scenario}");
    }
}

// What follows proves, scenario by scenario, that the engine produces exactly the promised
// code. `observed` matches on every scenario, so a new scenario cannot go untested.

mod engine {
    use base64::{Engine as _, engine::general_purpose::STANDARD};
    use serde_json::{Value, json};

    use crate::{
        Code,
        content::ContentMode,
        engine::{Flow, tests::util::*},
        pki,
        scenario::Scenario,
        vocab::Source,
    };

    /// The paths of the five logged-in flows, in [`Flow::ALL`] order after login.
    const LOGGED_IN: [(&str, Flow); 5] = [
        ("/api/v1/account/auth/profile/initiateRequest", Flow::Profile),
        ("/api/v1/account/eme/initiateRequest", Flow::FormFilling),
        ("/api/v1/account/stepup/initiateRequest", Flow::Reauth),
        ("/api/v1/account/signing/initiateRequest", Flow::Signing),
        ("/api/v1/account/pdfsigning/initiateRequest", Flow::PdfSigning),
    ];

    /// A valid logged-in request of `flow` for chan-tai-man.
    fn body(login: &Login, flow: Flow, business_id: &str) -> Value {
        let mut body = json!({
            "businessID": business_id,
            "accessToken": login.token,
            "openID": login.open_id,
            "source": "PC_Browser",
            "redirectURI": CALLBACK_URI,
        });
        let extra = match flow {
            Flow::Profile => json!({ "profileFields": ["enName"] }),
            Flow::FormFilling => json!({ "eMEFields": ["enName"] }),
            Flow::Signing => json!({
                "hashCode": STANDARD.encode(b"doc"),
                "HKICHash": pki::hkic_hash("K512783"),
                "serviceName": "S",
                "documentName": "D",
            }),
            Flow::PdfSigning => {
                json!({ "docDigest": STANDARD.encode([1u8; 32]), "serviceName": "S", "documentName": "D" })
            }
            Flow::Login | Flow::Reauth => json!({}),
        };
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        body
    }

    /// The code a user-outcome scenario produces in each flow, in [`Flow::ALL`] order: the
    /// login's redirect, then each logged-in request's callback.
    fn per_flow(scenario: Scenario) -> Vec<Code> {
        let mut sb = Sandbox::new(ContentMode::Encrypted);
        let query = sb.login_query(Source::PcBrowser, None);
        let reply = sb.get_qr_with(&query, Some(scenario));
        let mut res = vec![redirect_query(&reply.outbound, LOGIN_URI).error_code.unwrap()];
        let login = sb.login("chan-tai-man");
        for (idx, (path, flow)) in LOGGED_IN.into_iter().enumerate() {
            let answer =
                sb.post_with(path, Some(body(&login, flow, &format!("b{idx}"))), Some(scenario));
            assert_eq!(answer.code, Code::Success, "{}", answer.raw.body);
            res.push(sb.callback(&answer.raw.outbound).0);
        }
        res
    }

    /// The code a request-level scenario produces at the one endpoint it concerns.
    fn at_endpoint(scenario: Scenario) -> Code {
        let mut sb = Sandbox::new(ContentMode::Encrypted);
        let login = sb.login("chan-tai-man");
        let (path, body) = match scenario {
            Scenario::KekMissing => ("/api/v1/security/getKey", None),
            Scenario::ExpiredAuthCode => {
                let page = sb.get_qr(Source::PcBrowser).value;
                sb.app(&page.ticket_id, open("chan-tai-man"));
                let reply = sb.app(&page.ticket_id, approve());
                let code = redirect_query(&reply.outbound, LOGIN_URI).code.unwrap();
                let body = json!({ "code": code, "grantType": "authorization_code" });
                ("/api/v1/auth/getToken", Some(body))
            }
            Scenario::AckFailed => {
                let path = LOGGED_IN[3].0;
                sb.post(path, Some(body(&login, Flow::Signing, "s1")));
                let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
                sb.app(&task.id, approve());
                let ack = json!({ "businessID": "s1", "signingResult": "SR001" });
                ("/api/v1/account/signing/ackResult", Some(ack))
            }
            Scenario::DuplicateBusinessId => {
                (LOGGED_IN[0].0, Some(body(&login, Flow::Profile, "never-used")))
            }
            Scenario::NotIamSmartPlus | Scenario::HkicMismatch => {
                (LOGGED_IN[3].0, Some(body(&login, Flow::Signing, "s1")))
            }
            _ => (LOGGED_IN[0].0, Some(body(&login, Flow::Profile, "p1"))),
        };
        let faulty = sb.post_with(path, body.clone(), Some(scenario));
        let honest = sb.post(path, body);
        assert_eq!(honest.code, Code::Success, "without {scenario}: {}", honest.raw.body);
        faulty.code
    }

    /// Every code `scenario` produces, observed through the engine.
    fn observed(scenario: Scenario) -> Vec<Code> {
        let mut res = match scenario {
            Scenario::UserDeclined
            | Scenario::UserCancelled
            | Scenario::AppTimeout
            | Scenario::BiometricFail => per_flow(scenario),
            Scenario::IdCardError => {
                let mut sb = Sandbox::new(ContentMode::Plain);
                let query = sb.login_query(Source::IosSafari, None);
                let reply = sb.get_qr_with(&query, Some(scenario));
                vec![redirect_query(&reply.outbound, LOGIN_URI).error_code.unwrap()]
            }
            Scenario::SlowApproval { delay_ms } => {
                let mut sb = Sandbox::new(ContentMode::Plain);
                let login = sb.login("chan-tai-man");
                let path = LOGGED_IN[2].0;
                let answer =
                    sb.post_with(path, Some(body(&login, Flow::Reauth, "r1")), Some(scenario));
                assert!(answer.raw.outbound.is_empty());
                sb.advance(delay_ms);
                let outbound = sb.engine.poll(sb.now, &mut sb.rng).unwrap();
                vec![sb.callback(&outbound).0]
            }
            Scenario::BadSignature
            | Scenario::ReplayedNonce
            | Scenario::ServerError
            | Scenario::ExpiredCek
            | Scenario::KekMissing
            | Scenario::DecryptFail
            | Scenario::EncryptFail
            | Scenario::ExpiredAuthCode
            | Scenario::TokenExpired
            | Scenario::UnknownOpenId
            | Scenario::InsufficientScope
            | Scenario::DuplicateBusinessId
            | Scenario::NotIamSmartPlus
            | Scenario::HkicMismatch
            | Scenario::AckFailed => vec![at_endpoint(scenario)],
        };
        res.sort();
        res.dedup();
        res
    }

    #[track_caller]
    fn check(scenario: Scenario) {
        assert_eq!(observed(scenario), scenario.codes(), "{scenario}");
    }

    #[test]
    fn bad_signature() {
        check(Scenario::BadSignature);
    }

    #[test]
    fn replayed_nonce() {
        check(Scenario::ReplayedNonce);
    }

    #[test]
    fn server_error() {
        check(Scenario::ServerError);
    }

    #[test]
    fn expired_cek() {
        check(Scenario::ExpiredCek);
    }

    #[test]
    fn kek_missing() {
        check(Scenario::KekMissing);
    }

    #[test]
    fn decrypt_fail() {
        check(Scenario::DecryptFail);
    }

    #[test]
    fn encrypt_fail() {
        check(Scenario::EncryptFail);
    }

    #[test]
    fn user_declined() {
        check(Scenario::UserDeclined);
    }

    #[test]
    fn user_cancelled() {
        check(Scenario::UserCancelled);
    }

    #[test]
    fn app_timeout() {
        check(Scenario::AppTimeout);
    }

    #[test]
    fn biometric_fail() {
        check(Scenario::BiometricFail);
    }

    #[test]
    fn id_card_error() {
        check(Scenario::IdCardError);
    }

    #[test]
    fn slow_approval() {
        check(Scenario::SlowApproval { delay_ms: 3_000 });
    }

    #[test]
    fn expired_authcode() {
        check(Scenario::ExpiredAuthCode);
    }

    #[test]
    fn token_expired() {
        check(Scenario::TokenExpired);
    }

    #[test]
    fn unknown_openid() {
        check(Scenario::UnknownOpenId);
    }

    #[test]
    fn insufficient_scope() {
        check(Scenario::InsufficientScope);
    }

    #[test]
    fn duplicate_business_id() {
        check(Scenario::DuplicateBusinessId);
    }

    #[test]
    fn not_iamsmart_plus() {
        check(Scenario::NotIamSmartPlus);
    }

    #[test]
    fn hkic_mismatch() {
        check(Scenario::HkicMismatch);
    }

    #[test]
    fn ack_failed() {
        check(Scenario::AckFailed);
    }

    #[test]
    fn a_client_default_scenario_applies_until_a_request_overrides_it() {
        let mut sb = Sandbox::with(ContentMode::Plain, |settings| {
            settings.scenario = Some(Scenario::UserDeclined);
        });
        let reply = sb.get_qr(Source::PcBrowser);
        assert_eq!(redirect_query(&reply.outbound, LOGIN_URI).error_code, Some(Code::AuthRejected));
        let query = sb.login_query(Source::PcBrowser, None);
        let slow = Some(Scenario::SlowApproval { delay_ms: 1_000 });
        let reply = sb.get_qr_with(&query, slow);
        assert!(reply.outbound.is_empty());
    }

    #[test]
    fn anonymous_signing_meets_signer_faults_at_approval() {
        for (scenario, expect) in [
            (Scenario::NotIamSmartPlus, Code::SigningNotAllowed),
            (Scenario::HkicMismatch, Code::InconsistentHkic),
        ] {
            let mut sb = Sandbox::new(ContentMode::Plain);
            let body = json!({
                "businessID": "a1",
                "hashCode": STANDARD.encode(b"doc"),
                "HKICHash": pki::hkic_hash("K512783"),
                "serviceName": "S",
                "documentName": "D",
            });
            let path = "/api/v1/anonymous/signing/initiateRequest";
            let answer = sb.post_with(path, Some(body), Some(scenario));
            let ticket = answer.content.unwrap()["ticketID"].as_str().unwrap().to_owned();
            let query = sb.login_query(Source::PcBrowser, Some(&ticket));
            sb.get_qr_with(&query, None);
            sb.app(&ticket, open("chan-tai-man"));
            let reply = sb.app(&ticket, approve());
            assert_eq!(redirect_query(&reply.outbound, LOGIN_URI).error_code, Some(expect));
        }
    }
}
