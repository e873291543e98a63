//! The catalogue's data: one row per API or callback, in [`EndpointId`] order.
//!
//! Shared pieces (headers, common fields, code groups, notes) live in `parts`, so that each
//! row reads as a short list of what is special about it. Text is written for the docs pages.

use crate::{
    Code,
    catalogue::{
        Category, Confidence, Endpoint, EndpointId, Field, FieldType as T, Format, Kind, Method,
        Note, Presence, parts::*, samples,
    },
    vocab::{
        GrantType, Lang, ProfileField, ResponseType, Scope, SigningResult, TokenType, UserType,
    },
};

use Confidence::{Confirmed, ConfirmedAnalog, Inferred, InferredHigh, Unknown};
use Presence::{Conditional as C, Mandatory as M, Optional as O};

pub(super) static ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        id: EndpointId::GetQr,
        title: "Request QR Page",
        category: Category::Authentication,
        kind: Kind::Page,
        method: Method::Get,
        path: "/api/v1/auth/getQR",
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: false,
        scope: Some(Scope::Auth),
        headers: PAGE_HEADERS,
        request: &[
            Field::new("clientID", T::String, M)
                .format(Format::Ascii)
                .doc("The client id assigned when the e-service registered."),
            Field::new("responseType", T::String, M)
                .one_of(ResponseType::NAMES)
                .doc("What the flow returns; always `code`."),
            Field::new("source", T::String, M).one_of(GET_QR_SOURCES).doc(
                "The user's browser, derived from its user agent. App-initiated sources \
                 (`App_Link`, `App_Scheme`) are not for this page; an unknown value is D20007.",
            ),
            Field::new("redirectURI", T::String, M).format(Format::Url).doc(
                "Where the browser returns with the authorisation code, URL-encoded in the \
                 query. It must be registered for the client, else D20008.",
            ),
            Field::new("scope", T::String, M).format(Format::Scopes).doc(
                "Space-delimited, case-sensitive list of the scopes to grant; request every \
                 scope later calls will need. Each must be approved for the client.",
            ),
            Field::new("lang", T::String, O)
                .one_of(Lang::NAMES)
                .doc("Language of the page; `zh-HK` when absent."),
            STATE.doc(
                "Up to 36 letters, digits, `_` or `-`, echoed on the redirect; use a fresh random \
                 value to guard against CSRF.",
            ),
            Field::new("brokerPage", T::Boolean, O).doc(
                "`true` opens the app through a Universal Link or App Link from a mobile \
                 browser without first checking that it is installed. Default `false`.",
            ),
            Field::new("ticketID", T::String, C).format(Format::Ascii).doc(
                "Only in anonymous flows: the ticket from an anonymous `initiateRequest`, which \
                 binds the page to that request.",
            ),
        ],
        response: &[],
        description: "Sends the user's browser to iAM Smart to log in. A desktop browser sees \
            a QR code to scan with the iAM Smart app; a mobile browser gets the broker page, \
            which opens the app on the same phone. When the user approves, the browser returns \
            to `redirectURI` with a one-time authorisation code. This is a browser navigation, \
            not a server call: it is neither signed nor encrypted.",
        sample_request: samples::GET_QR_REQUEST,
        sample_response: None,
        callback: Some(EndpointId::AuthCallback),
        codes: &[&[
            Code::UnknownException,
            Code::MissingParameter,
            Code::EmptyParameter,
            Code::InvalidParameter,
            Code::UnsupportedSource,
            Code::InvalidRedirectUri,
            Code::InsufficientScope,
            Code::ScopeMismatch,
            Code::AccessDeny,
            Code::NotFound,
        ]],
        notes: &[
            Note {
                mark: Unknown,
                text: "Whether the real getQR tolerates `App_Link`/`App_Scheme` is unknown \
                       (one integrator sent `App_Scheme`); the sandbox rejects them unless the \
                       leniency option is on.",
            },
            Note {
                mark: Inferred,
                text: "`ticketID` on getQR is documented for CorpID and seen in integrator code; \
                       iAM Smart is assumed to accept it the same way.",
            },
            Note {
                mark: Unknown,
                text: "The QR payload, its validity period and how the page polls are not \
                       published; the sandbox's page is its own.",
            },
            Note {
                mark: Inferred,
                text: "Errors are shown on an error page, not redirected. D20012 means a \
                       requested scope is not approved for the client and D20027 an unknown \
                       `ticketID`; D20015 and D20026 are in the platform's code list without a \
                       documented trigger.",
            },
        ],
    },
    Endpoint {
        id: EndpointId::AuthCallback,
        title: "Callback with authCode to e-Service Server",
        category: Category::Authentication,
        kind: Kind::Redirect,
        method: Method::Get,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: false,
        scope: Some(Scope::Auth),
        headers: &[],
        request: &[
            Field::new("businessID", T::String, C)
                .max_len(36)
                .format(Format::Ascii)
                .doc("Only in anonymous flows: the request the user answered."),
            Field::new("code", T::String, C).format(Format::Ascii).doc(
                "The authorisation code, present on success. It can be used once, with \
                 getToken, within 60 seconds.",
            ),
            Field::new("error_code", T::String, C)
                .format(Format::Ascii)
                .doc("Present instead of `code` when the user cancelled, refused or failed."),
            STATE.doc("The `state` of the getQR request, echoed."),
        ],
        response: &[],
        description: "iAM Smart sends the user's browser back to the e-service's \
            `redirectURI` with the outcome in the query. The e-service's server exchanges \
            `code` for a token with getToken. In anonymous flows the query also names the \
            `businessID`, and the token then fetches the result with the matching getResult.",
        sample_request: samples::AUTH_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[
            &[
                Code::MissingParameter,
                Code::AuthCancelled,
                Code::AuthRejected,
                Code::AuthFailed,
                Code::AuthTimeout,
                Code::IdCardError,
            ],
            FORM_FILLING_OUTCOMES,
            SIGNING_OUTCOMES,
        ],
        notes: &[
            Note {
                mark: Confirmed,
                text: "The code lives 60 seconds in the sandbox guide; the CorpID-integration \
                       specification says 30. The lifetime is configurable.",
            },
            Note {
                mark: Inferred,
                text: "In anonymous flows a refusal in the app arrives here as `error_code` \
                       with the function's own code (D6000x for e-ME, D7000x for signing).",
            },
        ],
    },
    Endpoint {
        id: EndpointId::GetToken,
        title: "Request accessToken & Tokenised ID",
        category: Category::Authentication,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/auth/getToken",
        aliases: &[],
        path_confidence: Confirmed,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Auth),
        headers: SIGNED_HEADERS,
        request: &[
            Field::new("code", T::String, M)
                .format(Format::Ascii)
                .doc("The authorisation code from the redirect; single use."),
            Field::new("grantType", T::String, M)
                .one_of(GrantType::NAMES)
                .doc("Always `authorization_code`."),
        ],
        response: &[
            Field::new("accessToken", T::String, M)
                .doc("Bearer token for the account APIs, reusable until it expires."),
            Field::new("tokenType", T::String, M).one_of(TokenType::NAMES).doc("Always `Bearer`."),
            Field::new("issueAt", T::Integer, M)
                .doc("When the token was issued, in milliseconds since the epoch."),
            Field::new("expiresIn", T::Integer, M)
                .doc("The token's lifetime in milliseconds, e.g. 14400000 for four hours."),
            Field::new("openID", T::String, M).doc(
                "The tokenised id: the same for this user every time at this e-service, and \
                 different at every other e-service. Use it to match local accounts.",
            ),
            Field::new("lastModifiedDate", T::Integer, M).doc(
                "When the user's verified profile last changed (re-registration, name, gender \
                 or birth date), in milliseconds since the epoch.",
            ),
            Field::new("userType", T::String, M).one_of(UserType::NAMES).doc(
                "`default` for an iAM Smart user; `sign` for an iAM Smart+ user, who can sign.",
            ),
            Field::new("scope", T::String, M)
                .format(Format::Scopes)
                .doc("The scopes granted, space-delimited."),
        ],
        description: "Exchanges the authorisation code from the redirect for an access token \
            and the user's tokenised id (`openID`). Call it at once: the code expires within a \
            minute and works only once. The token is then reused for profile, e-ME, signing \
            and re-authentication requests until it expires.",
        sample_request: samples::GET_TOKEN_REQUEST,
        sample_response: Some(samples::GET_TOKEN_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, CRYPTO_CODES, &[Code::AuthCodeInvalid]],
        notes: &[],
    },
    Endpoint {
        id: EndpointId::Profile,
        title: "Request profile",
        category: Category::Authentication,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/auth/profile/initiateRequest",
        aliases: &[],
        path_confidence: Confirmed,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Profiles),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            ACCESS_TOKEN,
            OPEN_ID,
            SOURCE,
            REDIRECT_URI,
            STATE,
            Field::new("profileFields", T::StringArray, M).one_of(ProfileField::NAMES).doc(
                "The verified fields wanted: `idNo`, `enName`, `chName`, `birthDate`, `gender`.",
            ),
        ],
        response: TICKET_FIELDS,
        description: "Asks a logged-in user to release verified identity data (identity card \
            number, names, birth date, gender), e.g. to link a first-time login to an existing \
            account. The user approves in the app; the data arrives by POST callback to \
            `redirectURI`.",
        sample_request: samples::PROFILE_REQUEST,
        sample_response: Some(samples::TICKET_RESPONSE),
        callback: Some(EndpointId::ProfileCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ACCOUNT_CODES],
        notes: &[Note {
            mark: Inferred,
            text: "The scope needed is assumed to be `eidapi_profiles`.",
        }],
    },
    Endpoint {
        id: EndpointId::ProfileCallback,
        title: "Callback to Receive iAM Smart Profile",
        category: Category::Authentication,
        kind: Kind::Callback,
        method: Method::Post,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: true,
        scope: Some(Scope::Profiles),
        headers: CALLBACK_HEADERS,
        request: &[RESULT_BUSINESS_ID, RESULT_STATE, ID_NO, EN_NAME, CH_NAME, BIRTH_DATE, GENDER],
        response: &[],
        description: "iAM Smart posts the user's answer to a profile request to its \
            `redirectURI`. On approval `content` holds the released fields; otherwise the \
            code says why (rejected, failed, timed out) and `content` names the request.",
        sample_request: samples::PROFILE_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[&[
            Code::Success,
            Code::AuthCancelled,
            Code::ProfileRejected,
            Code::ProfileFailed,
            Code::ProfileTimeout,
        ]],
        notes: PROFILE_CALLBACK_NOTES,
    },
    Endpoint {
        id: EndpointId::Stepup,
        title: "Request Re-authentication",
        category: Category::Reauthentication,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/stepup/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Fr),
        headers: SIGNED_HEADERS,
        request: &[BUSINESS_ID, ACCESS_TOKEN, OPEN_ID, SOURCE, REDIRECT_URI, STATE],
        response: TICKET_FIELDS,
        description: "Asks a logged-in user to prove again, with the phone's biometrics, that \
            they are present, before a sensitive step. The outcome arrives by POST callback.",
        sample_request: samples::STEPUP_REQUEST,
        sample_response: Some(samples::TICKET_RESPONSE),
        callback: Some(EndpointId::StepupCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ACCOUNT_CODES],
        notes: &[
            Note {
                mark: Inferred,
                text: "No source lists this API's fields; the sandbox uses the common set of the \
                       other account requests. The scope is assumed to be `eidapi_fr`.",
            },
            Note {
                mark: Unknown,
                text: "Whether re-authentication takes `stepupAuthMethod`/`stepupAuthPeriod` \
                       like signing is unknown; the sandbox ignores them here.",
            },
        ],
    },
    Endpoint {
        id: EndpointId::StepupCallback,
        title: "Callback to Receive Re-authentication Result",
        category: Category::Reauthentication,
        kind: Kind::Callback,
        method: Method::Post,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: true,
        scope: Some(Scope::Fr),
        headers: CALLBACK_HEADERS,
        request: &[RESULT_BUSINESS_ID, RESULT_STATE],
        response: &[],
        description: "iAM Smart posts the outcome of a re-authentication to its \
            `redirectURI`. The code carries the verdict: D00000 when the user passed.",
        sample_request: samples::STEPUP_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[&[Code::Success, Code::ReauthRejected, Code::ReauthFailed, Code::ReauthTimeout]],
        notes: &[Note {
            mark: Unknown,
            text: "No source shows this payload beyond `businessID` and `state`; the sandbox \
                   sends only those.",
        }],
    },
    Endpoint {
        id: EndpointId::Eme,
        title: "Request e-ME form filling",
        category: Category::FormFilling,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/eme/initiateRequest",
        aliases: &["/api/v1/account/auth/eme/initiateRequest"],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::FormFilling),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            ACCESS_TOKEN,
            OPEN_ID,
            SOURCE,
            REDIRECT_URI,
            STATE,
            FORM_NAME,
            FORM_NUM,
            FORM_DESC,
            EME_FIELDS,
            PROFILE_FIELDS_EXTRA,
        ],
        response: TICKET_FIELDS,
        description: "Asks a logged-in user to release data from their self-maintained e-ME \
            profile to pre-fill a form. The app shows the form's name, number and description \
            and lets the user release item by item; the data arrives by POST callback.",
        sample_request: samples::EME_REQUEST,
        sample_response: Some(samples::SAME_DEVICE_TICKET_RESPONSE),
        callback: Some(EndpointId::EmeCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ACCOUNT_CODES],
        notes: &[
            Note {
                mark: InferredHigh,
                text: "The path comes from a production integrator's configuration; a less \
                       reliable source uses `/api/v1/account/auth/eme/initiateRequest`, which \
                       resolves too.",
            },
            Note {
                mark: Unknown,
                text: "Whether iAM Smart accepts `profileFields` in an e-ME request is unknown \
                       (CorpID does); the sandbox accepts it as optional.",
            },
        ],
    },
    Endpoint {
        id: EndpointId::EmeCallback,
        title: "Callback to Receive e-ME Information",
        category: Category::FormFilling,
        kind: Kind::Callback,
        method: Method::Post,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: true,
        scope: Some(Scope::FormFilling),
        headers: CALLBACK_HEADERS,
        request: EME_RESULT_FIELDS,
        response: &[],
        description: "iAM Smart posts the user's answer to an e-ME request to its \
            `redirectURI`: on approval the released fields, which may be fewer than asked.",
        sample_request: samples::EME_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[&[Code::Success], FORM_FILLING_OUTCOMES],
        notes: CALLBACK_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousEme,
        title: "Request anonymous e-ME form filling",
        category: Category::FormFilling,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/eme/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::FormFilling),
        headers: SIGNED_HEADERS,
        request: &[BUSINESS_ID, FORM_NAME, FORM_NUM, FORM_DESC, EME_FIELDS, PROFILE_FIELDS_EXTRA],
        response: ANONYMOUS_TICKET_FIELDS,
        description: "Starts e-ME form filling for a user who has not logged in, e.g. to open \
            an account remotely. The answer's `ticketID` goes to getQR; after the user consents \
            the browser returns with `businessID` and a code, which getToken turns into the \
            token for getResult.",
        sample_request: samples::ANONYMOUS_EME_REQUEST,
        sample_response: Some(samples::ANONYMOUS_EME_RESPONSE),
        callback: Some(EndpointId::AuthCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ANONYMOUS_CODES],
        notes: ANONYMOUS_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousEmeResult,
        title: "Get anonymous e-ME result",
        category: Category::FormFilling,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/eme/getResult",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::FormFilling),
        headers: SIGNED_HEADERS,
        request: RESULT_REQUEST,
        response: EME_RESULT_FIELDS,
        description: "Fetches the data the user released in an anonymous e-ME request, with \
            the token obtained from the redirect's code.",
        sample_request: samples::ANONYMOUS_RESULT_REQUEST,
        sample_response: Some(samples::ANONYMOUS_EME_RESULT_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, CRYPTO_CODES, RESULT_CODES],
        notes: RESULT_NOTES,
    },
    Endpoint {
        id: EndpointId::Signing,
        title: "Request Signing",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/signing/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            ACCESS_TOKEN,
            OPEN_ID,
            SOURCE,
            REDIRECT_URI,
            STATE,
            HASH_CODE,
            SIG_ALGO,
            HKIC_HASH,
            DEPARTMENT,
            SERVICE_NAME,
            DOCUMENT_NAME,
            STEPUP_AUTH_METHOD,
            STEPUP_AUTH_PERIOD,
        ],
        response: TICKET_FIELDS,
        description: "Asks a logged-in iAM Smart+ user to sign a hash computed by the \
            e-service. Show the user the four-digit identification code derived from the hash \
            and `openID`; the app shows the same code. The signature and certificate arrive by \
            POST callback; acknowledge them with ackResult.",
        sample_request: samples::SIGNING_REQUEST,
        sample_response: Some(samples::TICKET_RESPONSE),
        callback: Some(EndpointId::SigningCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ACCOUNT_CODES, SIGNER_CODES],
        notes: SIGNING_NOTES,
    },
    Endpoint {
        id: EndpointId::SigningCallback,
        title: "Callback to Receive Signing Result",
        category: Category::Signing,
        kind: Kind::Callback,
        method: Method::Post,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: CALLBACK_HEADERS,
        request: &[
            RESULT_BUSINESS_ID,
            RESULT_STATE,
            HASH_CODE.doc("The submitted hash, echoed."),
            SIGNED_AT,
            SIGNATURE_VALUE,
            CERT,
            NEXT_ACCESS_TOKEN,
        ],
        response: &[],
        description: "iAM Smart posts the signature to `redirectURI`. Verify it with the \
            certificate's public key over the hash, then report the verdict with ackResult.",
        sample_request: samples::SIGNING_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[&[Code::Success], SIGNING_OUTCOMES],
        notes: CALLBACK_NOTES,
    },
    Endpoint {
        id: EndpointId::SigningAck,
        title: "Acknowledge Signing Result",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/signing/ackResult",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID.doc("The signing request being acknowledged."),
            Field::new("signingResult", T::String, M).one_of(SigningResult::NAMES).doc(
                "`SR001` signature received and accepted, `SR002` received and rejected, \
                 `SR003` not received.",
            ),
        ],
        response: &[],
        description: "Tells iAM Smart whether the e-service accepted the signature it \
            received, for hash, PDF and anonymous signing alike. The answer has no content.",
        sample_request: samples::SIGNING_ACK_REQUEST,
        sample_response: Some(samples::EMPTY_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, CRYPTO_CODES, &[Code::NotFound, Code::SigningAckFailed]],
        notes: &[Note {
            mark: ConfirmedAnalog,
            text: "The body and result codes are those of CorpID; the path is from a production \
                   integrator's configuration.",
        }],
    },
    Endpoint {
        id: EndpointId::PdfSigning,
        title: "Request PDF Signing",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/account/pdfsigning/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            ACCESS_TOKEN,
            OPEN_ID,
            SOURCE,
            REDIRECT_URI,
            STATE,
            DOC_DIGEST,
            HKIC_HASH_OPTIONAL,
            DEPARTMENT,
            SERVICE_NAME,
            DOCUMENT_NAME,
            STEPUP_AUTH_METHOD,
            STEPUP_AUTH_PERIOD,
        ],
        response: TICKET_FIELDS,
        description: "Asks a logged-in iAM Smart+ user to sign a PDF. The e-service prepares \
            the signature field and sends the digest of the signed byte range; the callback \
            returns a detached PKCS#7 signature to embed in the PDF.",
        sample_request: samples::PDF_SIGNING_REQUEST,
        sample_response: Some(samples::TICKET_RESPONSE),
        callback: Some(EndpointId::PdfSigningCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ACCOUNT_CODES, SIGNER_CODES],
        notes: PDF_NOTES,
    },
    Endpoint {
        id: EndpointId::PdfSigningCallback,
        title: "Callback to Receive PDF Signing Result",
        category: Category::Signing,
        kind: Kind::Callback,
        method: Method::Post,
        path: REDIRECT_URI_PATH,
        aliases: &[],
        path_confidence: Confirmed,
        signed: false,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: CALLBACK_HEADERS,
        request: &[
            RESULT_BUSINESS_ID,
            RESULT_STATE,
            DOC_DIGEST.doc("The submitted digest, echoed."),
            PDF_SIGNATURE,
            NEXT_ACCESS_TOKEN,
        ],
        response: &[],
        description: "iAM Smart posts the PDF signature to `redirectURI`. Embed it in the \
            prepared signature field, then report the verdict with ackResult.",
        sample_request: samples::PDF_SIGNING_CALLBACK_REQUEST,
        sample_response: None,
        callback: None,
        codes: &[&[Code::Success], SIGNING_OUTCOMES],
        notes: CALLBACK_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousSigning,
        title: "Request Anonymous Signing",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/signing/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            HASH_CODE,
            SIG_ALGO,
            HKIC_HASH,
            DEPARTMENT,
            SERVICE_NAME,
            DOCUMENT_NAME,
            STEPUP_AUTH_METHOD,
            STEPUP_AUTH_PERIOD,
        ],
        response: ANONYMOUS_TICKET_FIELDS,
        description: "Starts signing for a user who has not logged in. The answer's `ticketID` \
            goes to getQR; after the user signs the browser returns with `businessID` and a \
            code, which getToken turns into the token for getResult.",
        sample_request: samples::ANONYMOUS_SIGNING_REQUEST,
        sample_response: Some(samples::ANONYMOUS_TICKET_RESPONSE),
        callback: Some(EndpointId::AuthCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ANONYMOUS_CODES],
        notes: ANONYMOUS_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousSigningResult,
        title: "Get Anonymous Signing Result",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/signing/getResult",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: RESULT_REQUEST,
        response: &[
            RESULT_BUSINESS_ID,
            HASH_CODE.doc("The submitted hash, echoed."),
            SIGNED_AT,
            SIGNATURE_VALUE,
            CERT,
            NEXT_ACCESS_TOKEN,
        ],
        description: "Fetches the signature of an anonymous signing request, with the token \
            obtained from the redirect's code. Acknowledge it with ackResult.",
        sample_request: samples::ANONYMOUS_RESULT_REQUEST,
        sample_response: Some(samples::ANONYMOUS_SIGNING_RESULT_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, CRYPTO_CODES, RESULT_CODES],
        notes: RESULT_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousPdfSigning,
        title: "Request Anonymous PDF Signing",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/pdfsigning/initiateRequest",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: &[
            BUSINESS_ID,
            DOC_DIGEST,
            HKIC_HASH_OPTIONAL,
            DEPARTMENT,
            SERVICE_NAME,
            DOCUMENT_NAME,
            STEPUP_AUTH_METHOD,
            STEPUP_AUTH_PERIOD,
        ],
        response: ANONYMOUS_TICKET_FIELDS,
        description: "Starts PDF signing for a user who has not logged in; the flow is that \
            of anonymous signing, with a PDF digest instead of a hash.",
        sample_request: samples::ANONYMOUS_PDF_SIGNING_REQUEST,
        sample_response: Some(samples::ANONYMOUS_TICKET_RESPONSE),
        callback: Some(EndpointId::AuthCallback),
        codes: &[SIGNED_CODES, CRYPTO_CODES, ANONYMOUS_CODES],
        notes: ANONYMOUS_NOTES,
    },
    Endpoint {
        id: EndpointId::AnonymousPdfSigningResult,
        title: "Get Anonymous PDF Signing Result",
        category: Category::Signing,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/anonymous/pdfsigning/getResult",
        aliases: &[],
        path_confidence: InferredHigh,
        signed: true,
        encrypted: true,
        scope: Some(Scope::Sign),
        headers: SIGNED_HEADERS,
        request: RESULT_REQUEST,
        response: &[
            RESULT_BUSINESS_ID,
            DOC_DIGEST.doc("The submitted digest, echoed."),
            PDF_SIGNATURE,
            NEXT_ACCESS_TOKEN,
        ],
        description: "Fetches the PDF signature of an anonymous PDF signing request, with the \
            token obtained from the redirect's code. Acknowledge it with ackResult.",
        sample_request: samples::ANONYMOUS_RESULT_REQUEST,
        sample_response: Some(samples::ANONYMOUS_PDF_SIGNING_RESULT_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, CRYPTO_CODES, RESULT_CODES],
        notes: RESULT_NOTES,
    },
    Endpoint {
        id: EndpointId::GetKey,
        title: "Request Symmetric Content Encryption Key",
        category: Category::Security,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/security/getKey",
        aliases: &[],
        path_confidence: Confirmed,
        signed: true,
        encrypted: false,
        scope: None,
        headers: SIGNED_HEADERS,
        request: &[],
        response: &[
            Field::new("secretKey", T::String, M).format(Format::Base64).doc(
                "The AES-256 content encryption key, encrypted with the RSA public key of the \
                 e-service's encipherment certificate, in Base64.",
            ),
            Field::new("pubKey", T::String, M).format(Format::Base64).doc(
                "The public key that encrypted it, in Base64, so an e-service with several \
                 certificates can pick the right private key.",
            ),
            Field::new("issueAt", T::Integer, M)
                .doc("When the key was issued, in milliseconds since the epoch."),
            Field::new("expiresIn", T::Integer, M).doc(
                "The key's lifetime in milliseconds. Robust clients also accept an absolute \
                 expiry time here (any value above 10^12).",
            ),
        ],
        description: "Fetches the content encryption key that seals every other request and \
            response. Cache it and reuse it until it expires; fetch a new one when a call \
            answers D30001 to D30004. The body is empty (or `{}`) and is not encrypted, but \
            the request is signed like all others.",
        sample_request: samples::KEY_REQUEST,
        sample_response: Some(samples::GET_KEY_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES, &[Code::KekNotExist, Code::EncryptionException]],
        notes: &[
            Note {
                mark: Unknown,
                text: "The RSA padding that wraps the key is not published; the sandbox uses \
                       PKCS#1 v1.5 by default, with OAEP as an option.",
            },
            Note {
                mark: Unknown,
                text: "The real key lifetime is not published; the sandbox's is configurable.",
            },
        ],
    },
    Endpoint {
        id: EndpointId::RevokeKey,
        title: "Revoke Symmetric Content Encryption Key",
        category: Category::Security,
        kind: Kind::Api,
        method: Method::Post,
        path: "/api/v1/security/revokeKey",
        aliases: &[],
        path_confidence: Inferred,
        signed: true,
        encrypted: false,
        scope: None,
        headers: SIGNED_HEADERS,
        request: &[],
        response: &[],
        description: "Withdraws the current content encryption key, so that the next getKey \
            issues a fresh one, e.g. right after the e-service replaced its encipherment \
            certificate. The answer has no content.",
        sample_request: samples::KEY_REQUEST,
        sample_response: Some(samples::EMPTY_RESPONSE),
        callback: None,
        codes: &[SIGNED_CODES],
        notes: &[Note {
            mark: Inferred,
            text: "Documented for CorpID at the same path; assumed to exist for iAM Smart. \
                   Revoking when there is no key succeeds.",
        }],
    },
];
