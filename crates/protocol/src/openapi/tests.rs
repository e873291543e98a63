//! Tests of the OpenAPI output: coverage of the catalogue, required fields, envelopes and
//! determinism.

use serde_json::Value;

use super::*;
use crate::catalogue::EndpointId;

const SERVER: &str = "http://127.0.0.1:8080";

/// Every top-level operation: (path, method, operation).
fn operations(doc: &Value) -> Vec<(&str, &str, &Value)> {
    let mut res = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            res.push((path.as_str(), method.as_str(), op));
        }
    }
    res
}

/// The schema of the clear business object of a request body.
fn clear_request_schema(op: &Value) -> &Value {
    let schema = &op["requestBody"]["content"]["application/json"]["schema"];
    schema.get("anyOf").map_or(schema, |any| &any[0])
}

fn names(values: &Value) -> Vec<&str> {
    let mut res: Vec<&str> =
        values.as_array().map_or(&[][..], Vec::as_slice).iter().filter_map(Value::as_str).collect();
    res.sort_unstable();
    res
}

fn mandatory(fields: &[Field]) -> Vec<&str> {
    let mut res: Vec<&str> = fields.iter().filter(|f| f.is_mandatory()).map(|f| f.name).collect();
    res.sort_unstable();
    res
}

#[test]
fn every_served_endpoint_appears_once_at_its_path() {
    let doc = document(SERVER);
    let ops = operations(&doc);
    let mut ids: Vec<&str> =
        ops.iter().map(|(_, _, op)| op["operationId"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut expected: Vec<&str> = served().map(|e| e.id.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(ids, expected);
    assert_eq!(ops.len(), 16);
    for (path, method, op) in ops {
        let id = EndpointId::parse(op["operationId"].as_str().unwrap()).unwrap();
        let endpoint = id.endpoint();
        assert_eq!(path, endpoint.path);
        assert_eq!(method, method_key(endpoint.method));
        assert_eq!(op["summary"], endpoint.title);
        assert_eq!(op["tags"][0], endpoint.category.title());
        for note in endpoint.notes {
            let marked = format!("{} {}", note.mark.mark(), note.text);
            assert!(op["description"].as_str().unwrap().contains(&marked), "{id:?}: {marked}");
        }
        assert_eq!(op["x-codes"].as_array().unwrap().len(), endpoint.codes().len());
    }
}

#[test]
fn operation_ids_are_unique_including_callbacks() {
    let doc = document(SERVER);
    let text = doc.to_string();
    for id in EndpointId::ALL {
        let needle = format!("\"operationId\":\"{}\"", id.as_str());
        assert!(text.matches(&needle).count() <= 1, "{needle}");
    }
    // Every redirect and callback is reachable: as an OpenAPI callback or `x-callback`.
    for endpoint in catalogue::all().iter().filter(|e| !e.is_served()) {
        assert!(text.contains(&format!("\"operationId\":\"{}\"", endpoint.id.as_str())));
    }
}

#[test]
fn required_fields_are_the_mandatory_ones() {
    let doc = document(SERVER);
    for (_, _, op) in operations(&doc) {
        let endpoint = EndpointId::parse(op["operationId"].as_str().unwrap()).unwrap().endpoint();
        match endpoint.method {
            Method::Post => {
                let schema = clear_request_schema(op);
                assert_eq!(names(&schema["required"]), mandatory(endpoint.request), "{op}");
                let props = schema["properties"].as_object().unwrap();
                assert_eq!(props.len(), endpoint.request.len());
                let encrypted = op["requestBody"]["content"]["application/json"]["schema"]
                    .get("anyOf")
                    .is_some();
                assert_eq!(encrypted, endpoint.encrypted);
            }
            Method::Get => {
                let query: Vec<&Value> = op["parameters"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|p| p["in"] == "query")
                    .collect();
                assert_eq!(query.len(), endpoint.request.len());
                for (param, field) in query.iter().zip(endpoint.request) {
                    assert_eq!(param["name"], field.name);
                    assert_eq!(param["required"], field.is_mandatory(), "{}", field.name);
                }
            }
        }
    }
}

#[test]
fn fields_carry_their_limits_and_values() {
    let doc = document(SERVER);
    let profile = &doc["paths"]["/api/v1/account/auth/profile/initiateRequest"]["post"];
    let props = &clear_request_schema(profile)["properties"];
    assert_eq!(props["businessID"]["maxLength"], 36);
    assert_eq!(props["profileFields"]["type"], "array");
    assert!(props["profileFields"]["items"]["enum"].as_array().unwrap().len() > 3);
    assert_eq!(props["redirectURI"]["format"], "uri");
    let signing = &doc["paths"]["/api/v1/account/signing/initiateRequest"]["post"];
    assert_eq!(clear_request_schema(signing)["properties"]["stepupAuthPeriod"]["maximum"], 720);
    let token = &doc["paths"]["/api/v1/auth/getToken"]["post"];
    let props = &clear_request_schema(token)["properties"];
    assert_eq!(props["grantType"]["enum"][0], "authorization_code");
}

#[test]
fn signed_apis_take_the_signature_headers() {
    let doc = document(SERVER);
    for (_, _, op) in operations(&doc) {
        let endpoint = EndpointId::parse(op["operationId"].as_str().unwrap()).unwrap().endpoint();
        let refs: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["$ref"].as_str())
            .collect();
        for name in ["clientID", "signatureMethod", "timestamp", "nonce", "signature"] {
            let wanted = format!("#/components/parameters/{name}");
            assert_eq!(refs.contains(&wanted.as_str()), endpoint.signed, "{name}");
        }
    }
    let params = &doc["components"]["parameters"];
    assert_eq!(params["timestamp"]["schema"]["type"], "integer");
    assert_eq!(params["signature"]["required"], true);
    assert_eq!(params["Ocp-Apim-Subscription-Key"]["required"], false);
    assert!(params.get("Content-Type").is_none());
}

#[test]
fn responses_are_envelopes_whose_examples_use_listed_codes() {
    let doc = document(SERVER);
    for (_, method, op) in operations(&doc) {
        if method != "post" {
            continue;
        }
        let media = &op["responses"]["200"]["content"]["application/json"];
        assert_eq!(names(&media["schema"]["required"]), ["code", "message", "txID"]);
        let code = media["example"]["code"].as_str().unwrap();
        assert!(names(&media["schema"]["properties"]["code"]["enum"]).contains(&code));
        assert!(op["requestBody"]["content"]["application/json"].get("example").is_some());
    }
    let token = &doc["paths"]["/api/v1/auth/getToken"]["post"];
    let content = &token["responses"]["200"]["content"]["application/json"]["schema"]["properties"]
        ["content"];
    assert_eq!(content["anyOf"][1]["$ref"], SEALED);
    assert_eq!(names(&content["anyOf"][0]["required"]).len(), 8);
}

#[test]
fn callbacks_hang_off_the_request_that_names_redirect_uri() {
    let doc = document(SERVER);
    let get_qr = &doc["paths"]["/api/v1/auth/getQR"]["get"];
    let redirect = &get_qr["callbacks"]["auth-callback"]["{$request.query.redirectURI}"]["get"];
    assert_eq!(redirect["operationId"], "auth-callback");
    let profile = &doc["paths"]["/api/v1/account/auth/profile/initiateRequest"]["post"];
    let callback =
        &profile["callbacks"]["profile-callback"]["{$request.body#/redirectURI}"]["post"];
    let media = &callback["requestBody"]["content"]["application/json"];
    assert!(media["schema"]["properties"].get("secretKey").is_some());
    assert_eq!(media["example"]["code"], "D00000");
    let anonymous = &doc["paths"]["/api/v1/anonymous/eme/initiateRequest"]["post"];
    assert_eq!(anonymous["x-callback"]["endpoint"], "auth-callback");
    assert!(anonymous.get("callbacks").is_none());
}

#[test]
fn get_qr_takes_query_parameters_with_typed_examples() {
    let doc = document(SERVER);
    let get_qr = &doc["paths"]["/api/v1/auth/getQR"]["get"];
    assert!(get_qr.get("requestBody").is_none());
    let broker = get_qr["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "brokerPage")
        .unwrap();
    assert_eq!(broker["example"], false);
    assert_eq!(broker["schema"]["type"], "boolean");
}

#[test]
fn the_document_is_stable() {
    let first = serde_json::to_string_pretty(&document(SERVER)).unwrap();
    let second = serde_json::to_string_pretty(&document(&format!("{SERVER}/"))).unwrap();
    assert_eq!(first, second);
    assert!(first.starts_with("{\n  \"components\""));
    let doc = document(SERVER);
    assert_eq!(doc["openapi"], OPENAPI_VERSION);
    assert_eq!(doc["servers"][1]["url"], format!("{SERVER}{PILOT_PREFIX}"));
    assert_eq!(
        doc["paths"]["/api/v1/account/eme/initiateRequest"]["post"]["x-aliases"][0],
        "/api/v1/account/auth/eme/initiateRequest"
    );
}
