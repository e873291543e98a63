//! Sample messages for every endpoint, as pretty-printed JSON shown verbatim in the docs.
//!
//! Requests are clear business objects (what encrypted mode seals into `content`), GET
//! queries are JSON objects of their parameters, responses and callbacks are envelopes in
//! plain mode. The samples share one story: client `edae2e25…`, one user, one token, one
//! `businessID`, so they can be read in sequence. Long Base64 values are shortened.

pub(super) const GET_QR_REQUEST: &str = r#"{
  "clientID": "edae2e2529ff46228af1e4d18c8405d1",
  "responseType": "code",
  "source": "PC_Browser",
  "redirectURI": "https://rp.example.com/iamsmart/login",
  "scope": "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign",
  "lang": "en-US",
  "state": "eddd527b6",
  "brokerPage": "false"
}"#;

pub(super) const AUTH_CALLBACK_REQUEST: &str = r#"{
  "code": "7f0c2d9e4b1a4e6f8c3d5a7b9e1f2a3c",
  "state": "eddd527b6"
}"#;

pub(super) const GET_TOKEN_REQUEST: &str = r#"{
  "code": "7f0c2d9e4b1a4e6f8c3d5a7b9e1f2a3c",
  "grantType": "authorization_code"
}"#;

pub(super) const GET_TOKEN_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "accessToken": "d75f071180e842c28828097361a628fd",
    "tokenType": "Bearer",
    "issueAt": 1557048906183,
    "expiresIn": 14400000,
    "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
    "lastModifiedDate": 1556450176000,
    "userType": "sign",
    "scope": "eidapi_auth eidapi_profiles eidapi_formFilling eidapi_sign"
  }
}"#;

pub(super) const PROFILE_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
  "source": "Android_Chrome",
  "redirectURI": "https://rp.example.com/iamsmart/callback",
  "state": "eddd527b6",
  "profileFields": ["idNo", "enName", "chName", "birthDate", "gender"]
}"#;

/// The response of every logged-in `initiateRequest` when the user logged in by QR.
pub(super) const TICKET_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "authByQR": true
  }
}"#;

/// The response of a logged-in `initiateRequest` on the same device: a ticket to open.
pub(super) const SAME_DEVICE_TICKET_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "authByQR": false,
    "ticketID": "6c1f0e9a2b7d4c3e8a5f9b0d1e2c3a4b"
  }
}"#;

pub(super) const PROFILE_CALLBACK_REQUEST: &str = r#"{
  "txID": "<T=4d2a8e0c6b1f4a3e9d7c5b2a0f8e6d41>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
    "state": "eddd527b6",
    "idNo": { "Identification": "A123456", "CheckDigit": "3" },
    "enName": { "UnstructuredName": "CHAN, Tai Man" },
    "chName": { "ChineseName": "陳大文" },
    "birthDate": "19800101",
    "gender": "M"
  }
}"#;

pub(super) const STEPUP_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
  "source": "PC_Browser",
  "redirectURI": "https://rp.example.com/iamsmart/callback",
  "state": "eddd527b6"
}"#;

pub(super) const STEPUP_CALLBACK_REQUEST: &str = r#"{
  "txID": "<T=4d2a8e0c6b1f4a3e9d7c5b2a0f8e6d41>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
    "state": "eddd527b6"
  }
}"#;

pub(super) const EME_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
  "source": "iOS_Safari",
  "redirectURI": "https://rp.example.com/iamsmart/callback",
  "state": "eddd527b6",
  "formName": "Application for a library card",
  "formNum": "LIB-01",
  "formDesc": "Personal particulars of the applicant",
  "eMEFields": ["enName", "mobileNumber", "emailAddress", "residentialAddress"]
}"#;

pub(super) const EME_CALLBACK_REQUEST: &str = r#"{
  "txID": "<T=4d2a8e0c6b1f4a3e9d7c5b2a0f8e6d41>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
    "state": "eddd527b6",
    "enName": { "UnstructuredName": "CHAN, Tai Man" },
    "mobileNumber": { "CountryCode": "852", "SubscriberNumber": "91234567" },
    "emailAddress": "taiman.chan@example.com",
    "residentialAddress": {
      "ChiPremisesAddress": {
        "Region": "香港",
        "ChiDistrict": { "DcDistrict": "WC", "Sub-district": "灣仔" },
        "BuildingName": "海港中心",
        "ChiStreet": { "StreetName": "港灣道", "BuildingNoFrom": "25" },
        "Chi3dAddress": {
          "ChiFloor": { "FloorNum": "15" },
          "ChiUnit": { "UnitDescriptor": "室", "UnitNo": "A1" }
        }
      }
    }
  }
}"#;

pub(super) const ANONYMOUS_EME_REQUEST: &str = r#"{
  "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
  "formName": "Open a savings account",
  "formNum": "SAV-2",
  "eMEFields": ["idNo", "enName", "mobileNumber", "residentialAddress"]
}"#;

pub(super) const ANONYMOUS_EME_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
    "ticketID": "6c1f0e9a2b7d4c3e8a5f9b0d1e2c3a4b"
  }
}"#;

pub(super) const ANONYMOUS_EME_RESULT_REQUEST: &str = r#"{
  "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D"
}"#;

pub(super) const ANONYMOUS_EME_RESULT_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
    "idNo": { "Identification": "A123456", "CheckDigit": "3" },
    "enName": { "UnstructuredName": "CHAN, Tai Man" },
    "mobileNumber": { "CountryCode": "852", "SubscriberNumber": "91234567" },
    "residentialAddress": {
      "FreeFormatAddress": {
        "LanguageCode": "en",
        "AddressLine1": "FLAT A1, 15/F, HARBOUR CENTRE",
        "AddressLine2": "25 HARBOUR ROAD",
        "AddressLine3": "WAN CHAI, HONG KONG"
      }
    }
  }
}"#;

pub(super) const SIGNING_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
  "source": "PC_Browser",
  "redirectURI": "https://rp.example.com/iamsmart/callback",
  "state": "eddd527b6",
  "hashCode": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
  "sigAlgo": "SHA256withRSA",
  "HKICHash": "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk=",
  "department": "Example Department",
  "serviceName": "Online licence renewal",
  "documentName": "Renewal form R-7",
  "stepupAuthMethod": "{\"unary\":[\"FR\"]}",
  "stepupAuthPeriod": 0
}"#;

pub(super) const SIGNING_CALLBACK_REQUEST: &str = r#"{
  "txID": "<T=4d2a8e0c6b1f4a3e9d7c5b2a0f8e6d41>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
    "state": "eddd527b6",
    "hashCode": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
    "timestamp": 1557049012345,
    "signature": "8/FaI+Q/E4js5FwvALpBv9KSCyJ51ANwdlX2FTwRQgVkV2HvDLZp5MmHm7Lbtkxf3Y3hAhHzB/0NA2a2uWzu5Q==",
    "cert": "MIIBJjsM0k1guZ7Mv4SBD7XtXMWxLSzdpBCrUPZN7ojgI8aUScfzqTzwxVpnXd8c"
  }
}"#;

pub(super) const SIGNING_ACK_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "signingResult": "SR001"
}"#;

/// The response of APIs that answer with a code and no content.
pub(super) const EMPTY_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS"
}"#;

pub(super) const PDF_SIGNING_REQUEST: &str = r#"{
  "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
  "accessToken": "d75f071180e842c28828097361a628fd",
  "openID": "liR14%2BvX%2F5hSum5uf4ERczu0KcDnIJA5BM7FoM1ag9c%3D",
  "source": "PC_Browser",
  "redirectURI": "https://rp.example.com/iamsmart/callback",
  "state": "eddd527b6",
  "docDigest": "yU1s5qMvnsysVEEGnTJwDl96TVJYgLWAOmeAostjT4M=",
  "HKICHash": "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk=",
  "department": "Example Department",
  "serviceName": "Online licence renewal",
  "documentName": "Renewal form R-7.pdf"
}"#;

pub(super) const PDF_SIGNING_CALLBACK_REQUEST: &str = r#"{
  "txID": "<T=4d2a8e0c6b1f4a3e9d7c5b2a0f8e6d41>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "bbb8aae57c104cda40c93843ad5e6db8",
    "state": "eddd527b6",
    "docDigest": "yU1s5qMvnsysVEEGnTJwDl96TVJYgLWAOmeAostjT4M=",
    "pdfSignature": "0aLV1m3tvT7P7Q7oBMbtlcMvCWrQ1wmf9y9vXF4qHdf6/Mc3LZzzC0Bpg4cXXA4kOQkVJDEjHr4KfVfy"
  }
}"#;

pub(super) const ANONYMOUS_SIGNING_REQUEST: &str = r#"{
  "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
  "hashCode": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
  "sigAlgo": "SHA256withRSA",
  "HKICHash": "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk=",
  "serviceName": "Online licence renewal",
  "documentName": "Renewal form R-7"
}"#;

pub(super) const ANONYMOUS_TICKET_RESPONSE: &str = ANONYMOUS_EME_RESPONSE;

pub(super) const ANONYMOUS_RESULT_REQUEST: &str = ANONYMOUS_EME_RESULT_REQUEST;

pub(super) const ANONYMOUS_SIGNING_RESULT_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
    "hashCode": "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
    "timestamp": 1557049012345,
    "signature": "8/FaI+Q/E4js5FwvALpBv9KSCyJ51ANwdlX2FTwRQgVkV2HvDLZp5MmHm7Lbtkxf3Y3hAhHzB/0NA2a2uWzu5Q==",
    "cert": "MIIBJjsM0k1guZ7Mv4SBD7XtXMWxLSzdpBCrUPZN7ojgI8aUScfzqTzwxVpnXd8c"
  }
}"#;

pub(super) const ANONYMOUS_PDF_SIGNING_REQUEST: &str = r#"{
  "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
  "docDigest": "yU1s5qMvnsysVEEGnTJwDl96TVJYgLWAOmeAostjT4M=",
  "HKICHash": "rDcExehSzsiEp2laLaJqrtaX2ua9sdaugwaY5ONmYwk=",
  "serviceName": "Online licence renewal",
  "documentName": "Renewal form R-7.pdf"
}"#;

pub(super) const ANONYMOUS_PDF_SIGNING_RESULT_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "businessID": "5e0b7c2a9d8f4e1b3a6c0d9e8f7a6b51",
    "docDigest": "yU1s5qMvnsysVEEGnTJwDl96TVJYgLWAOmeAostjT4M=",
    "pdfSignature": "0aLV1m3tvT7P7Q7oBMbtlcMvCWrQ1wmf9y9vXF4qHdf6/Mc3LZzzC0Bpg4cXXA4kOQkVJDEjHr4KfVfy"
  }
}"#;

/// getKey and revokeKey carry no business fields; an empty body is accepted too.
pub(super) const KEY_REQUEST: &str = "{}";

pub(super) const GET_KEY_RESPONSE: &str = r#"{
  "txID": "<T=938ffb193b4b4370b6c2584372c6a588>",
  "code": "D00000",
  "message": "SUCCESS",
  "content": {
    "secretKey": "1s9ziYExupCuHmlr7b15uuBBeb95L1vEylpxnQqmV3UifQUeCBoi0NCSHWKocdo9wSdcf5ALOBAft90oyc81dg==",
    "pubKey": "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnJ9BY8qOviwltPILpxlLX4zOfa1krK/4",
    "issueAt": 1557048906183,
    "expiresIn": 86400000
  }
}"#;
