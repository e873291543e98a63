//! Personas, clients and the store: the data the engine runs on.

use base64::{Engine as _, engine::general_purpose::STANDARD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::util::*;
use crate::{
    Code,
    content::ContentMode,
    engine::{AutoAnswer, ClientSettings, Engine, EngineConfig, MemoryStore, Store, personas},
    pki,
    vocab::{EmeField, ProfileField, UserType},
    wire::PersonalData,
};

#[test]
fn every_persona_has_a_signing_key() {
    let ids: Vec<&str> = personas::all().iter().map(|it| it.id.as_str()).collect();
    assert_eq!(ids, pki::PERSONA_IDS);
}

#[test]
fn hkic_numbers_carry_valid_check_digits() {
    for persona in personas::all() {
        let id_no = &persona.profile["idNo"];
        let identification = id_no["Identification"].as_str().unwrap();
        let check_digit = pki::hkic_check_digit(identification).unwrap();
        assert_eq!(id_no["CheckDigit"], check_digit.to_string(), "{}", persona.id);
        assert_eq!(persona.eme.get("idNo"), Some(id_no), "{}", persona.id);
        assert_eq!(persona.hkic_identifier(), identification);
    }
}

#[test]
fn profiles_use_only_known_fields_in_exact_wire_shape() {
    for persona in personas::all() {
        for key in persona.profile.keys() {
            assert!(ProfileField::parse(key).is_ok(), "{}: {key}", persona.id);
        }
        for key in persona.eme.keys() {
            assert!(EmeField::parse(key).is_ok(), "{}: {key}", persona.id);
        }
        for data in [&persona.profile, &persona.eme] {
            let value = Value::Object(data.clone());
            let typed: PersonalData = serde_json::from_value(value.clone()).unwrap();
            assert_eq!(serde_json::to_value(typed).unwrap(), value, "{}", persona.id);
        }
    }
}

#[test]
fn personas_cover_the_documented_cases() {
    let find = |id: &str| personas::find(id).unwrap();
    let address = |id: &str, field: &str| {
        find(id)
            .eme
            .get(field)
            .and_then(|it| it.as_object())
            .and_then(|it| it.keys().next().cloned())
    };
    assert_eq!(
        address("chan-tai-man", "residentialAddress").as_deref(),
        Some("ChiPremisesAddress")
    );
    assert_eq!(
        address("wong-siu-ling", "residentialAddress").as_deref(),
        Some("EngPremisesAddress")
    );
    assert_eq!(
        address("cheung-wai-kit", "residentialAddress").as_deref(),
        Some("FreeFormatAddress")
    );
    assert!(
        find("lau-hoi-yee").eme["residentialAddress"]["EngPremisesAddress"]["EngLot"].is_object()
    );
    assert_eq!(address("tsang-yuk-lan", "postalAddress").as_deref(), Some("PostBoxAddress"));
    assert!(find("tsang-yuk-lan").profile["birthDate"].as_str().unwrap().starts_with("1938"));
    assert!(find("leung-tsz-hin").profile["birthDate"].as_str().unwrap().starts_with("2011"));
    for id in ["ho-chun-fai", "priya-raman"] {
        assert!(!find(id).eme.contains_key("residentialAddress"), "{id}");
    }
    assert!(
        !find("ho-chun-fai").eme.keys().any(|k| k.ends_with("TelNumber") || k == "mobileNumber")
    );
    for id in ["john-whitfield", "priya-raman"] {
        assert!(!find(id).profile.contains_key("chName"), "{id}");
    }
    assert!(find("kwok-man-kit").profile.contains_key("chName"));
    assert!(!find("kwok-man-kit").eme.contains_key("chNameVerified"));
    assert!(find("kwok-man-kit").eme.contains_key("addressDocInfo"));
    assert!(!find("fung-oi-ling").can_sign());
    assert_eq!(find("fung-oi-ling").user_type, UserType::Sign);
    let signers: Vec<&str> =
        personas::all().iter().filter(|it| it.can_sign()).map(|it| it.id.as_str()).collect();
    assert_eq!(
        signers,
        [
            "chan-tai-man",
            "wong-siu-ling",
            "cheung-wai-kit",
            "lau-hoi-yee",
            "tsang-yuk-lan",
            "john-whitfield",
            "kwok-man-kit"
        ]
    );
}

#[test]
fn e_bill_hash_matches_its_document() {
    let file = &personas::find("kwok-man-kit").unwrap().eme["addressDocFile"];
    let pdf = STANDARD.decode(file["docFile"].as_str().unwrap()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    let hex: String = Sha256::digest(&pdf).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(file["docHash"], hex);
}

#[test]
fn memory_store_survives_serialisation_mid_flow() {
    let mut sb = Sandbox::new(ContentMode::Encrypted);
    let login = sb.login("chan-tai-man");
    let body = json!({
        "businessID": "persisted",
        "accessToken": login.token,
        "openID": login.open_id,
        "source": "PC_Browser",
        "redirectURI": CALLBACK_URI,
        "profileFields": ["gender"],
    });
    sb.post("/api/v1/account/auth/profile/initiateRequest", Some(body));

    let saved = serde_json::to_string(sb.engine.store()).unwrap();
    let store: MemoryStore = serde_json::from_str(&saved).unwrap();
    assert_eq!(serde_json::to_string(&store).unwrap(), saved);
    sb.engine = Engine::new(store, EngineConfig::default());

    let task = sb.engine.app_inbox("chan-tai-man", sb.now).unwrap().remove(0).task;
    let reply = sb.app(&task.id, approve());
    let (code, content) = sb.callback(&reply.outbound);
    assert_eq!(code, Code::Success);
    assert_eq!(content.unwrap()["gender"], "M");
    assert!(sb.engine.store().business(CLIENT_ID, "persisted").unwrap().unwrap().code.is_some());
}

#[test]
fn client_settings_default_to_the_guide_lifetimes() {
    let settings: ClientSettings = serde_json::from_str("{}").unwrap();
    assert_eq!(settings, ClientSettings::default());
    assert_eq!(settings.auth_code_ttl_ms, 60_000);
    assert_eq!(settings.access_token_ttl_ms, 4 * 60 * 60 * 1000);
    assert_eq!(settings.auto_answer, AutoAnswer::Manual);
    let custom: ClientSettings =
        serde_json::from_value(json!({ "authCodeTtlMs": 30000, "scenario": "app-timeout" }))
            .unwrap();
    assert_eq!(custom.auth_code_ttl_ms, 30_000);
    assert_eq!(custom.scenario, Some(crate::scenario::Scenario::AppTimeout));
}

#[test]
fn clients_serialise_with_their_kek_as_pem() {
    let sb = Sandbox::new(ContentMode::Plain);
    let client = sb.engine.store().client(CLIENT_ID).unwrap().unwrap();
    let json = serde_json::to_value(&client).unwrap();
    assert!(json["kek"].as_str().unwrap().starts_with("-----BEGIN PUBLIC KEY-----"));
    assert_eq!(json["contentMode"], "plain");
    assert_eq!(serde_json::from_value::<crate::engine::Client>(json).unwrap(), client);
}
