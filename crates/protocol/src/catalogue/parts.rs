//! The catalogue's shared pieces: headers, code groups, common fields and notes.
//!
//! Rows of the table are mostly lists of these; naming them once keeps the wording and the
//! limits of, say, `businessID` identical across every API that takes it.

use crate::{
    Code,
    catalogue::{Confidence, Field, FieldType as T, Format, Header, Note, Presence},
    vocab::{EmeField, ProfileField, SigAlgo, Source},
};

use Confidence::{Confirmed, ConfirmedAnalog, Inferred, InferredHigh, Unknown};
use Presence::{Conditional as C, Mandatory as M, Optional as O};

/// The parameter table's placeholder for redirects and callbacks.
pub(super) const REDIRECT_URI_PATH: &str = "{redirectURI}";

/// Every source except the app-initiated `App_Link` and `App_Scheme`.
pub(super) const GET_QR_SOURCES: &[&str] = &[
    Source::AndroidChrome.as_str(),
    Source::AndroidFirefox.as_str(),
    Source::AndroidEdge.as_str(),
    Source::AndroidSamsung.as_str(),
    Source::AndroidHuawei.as_str(),
    Source::AndroidXiaomi.as_str(),
    Source::IosSafari.as_str(),
    Source::IosChrome.as_str(),
    Source::IosFirefox.as_str(),
    Source::IosEdge.as_str(),
    Source::PcBrowser.as_str(),
    Source::AppPackage.as_str(),
];

pub(super) const SUBSCRIPTION_KEY: Header = Header {
    name: "Ocp-Apim-Subscription-Key",
    ty: T::String,
    presence: O,
    pilot_only: true,
    description: "The pilot sandbox's gateway key; the real platform has no such header.",
};

pub(super) const PAGE_HEADERS: &[Header] = &[SUBSCRIPTION_KEY];

pub(super) const SIGNED_HEADERS: &[Header] = &[
    Header {
        name: "clientID",
        ty: T::String,
        presence: M,
        pilot_only: false,
        description: "The client id assigned when the e-service registered.",
    },
    Header {
        name: "signatureMethod",
        ty: T::String,
        presence: M,
        pilot_only: false,
        description: "Always `HmacSHA256`; anything else is D20005.",
    },
    Header {
        name: "timestamp",
        ty: T::Integer,
        presence: M,
        pilot_only: false,
        description: "When the request was sent, in milliseconds since the epoch; never \
                      smaller than the client's previous request's.",
    },
    Header {
        name: "nonce",
        ty: T::String,
        presence: M,
        pilot_only: false,
        description: "A fresh random value for every request, at most 36 ASCII characters; a \
                      repeat is D20004.",
    },
    Header {
        name: "signature",
        ty: T::String,
        presence: M,
        pilot_only: false,
        description: "URL-encoded Base64 of the HMAC-SHA256, keyed with the client secret, of \
                      clientID + signatureMethod + timestamp + nonce + body.",
    },
    Header {
        name: "Content-Type",
        ty: T::String,
        presence: O,
        pilot_only: false,
        description: "`application/json`.",
    },
    SUBSCRIPTION_KEY,
];

pub(super) const CALLBACK_HEADERS: &[Header] = &[Header {
    name: "Content-Type",
    ty: T::String,
    presence: M,
    pilot_only: false,
    description: "`application/json`.",
}];

pub(super) const SIGNED_CODES: &[Code] = &[
    Code::Success,
    Code::UnknownException,
    Code::MissingParameter,
    Code::EmptyParameter,
    Code::InvalidParameter,
    Code::DuplicatedRequest,
    Code::UnsupportedSignatureMethod,
    Code::SignatureVerificationFailed,
];

pub(super) const CRYPTO_CODES: &[Code] =
    &[Code::KekNotExist, Code::CekNotExist, Code::EncryptionException, Code::DecryptionException];

pub(super) const ACCOUNT_CODES: &[Code] = &[
    Code::UnsupportedSource,
    Code::InvalidRedirectUri,
    Code::AccessTokenInvalid,
    Code::OpenIdNotExist,
    Code::DuplicatedBusinessId,
    Code::InsufficientScope,
];

pub(super) const ANONYMOUS_CODES: &[Code] = &[Code::DuplicatedBusinessId, Code::InsufficientScope];

pub(super) const RESULT_CODES: &[Code] =
    &[Code::AccessTokenInvalid, Code::OpenIdNotExist, Code::InsufficientScope, Code::NotFound];

pub(super) const SIGNER_CODES: &[Code] = &[Code::SigningNotAllowed, Code::InconsistentHkic];

pub(super) const FORM_FILLING_OUTCOMES: &[Code] = &[
    Code::FormFillingCancelled,
    Code::FormFillingRejected,
    Code::FormFillingFailed,
    Code::FormFillingTimeout,
];

pub(super) const SIGNING_OUTCOMES: &[Code] = &[
    Code::SigningCancelled,
    Code::SigningRejected,
    Code::SigningFailed,
    Code::SigningTimeout,
    Code::SigningNotAllowed,
    Code::InconsistentHkic,
];

pub(super) const BUSINESS_ID: Field =
    Field::new("businessID", T::String, M).max_len(36).format(Format::Ascii).doc(
        "The e-service's own id for this request, at most 36 ASCII characters and unique for the \
     client; a repeat is D20011.",
    );

pub(super) const ACCESS_TOKEN: Field = Field::new("accessToken", T::String, M)
    .format(Format::Ascii)
    .doc("The token from getToken; unknown or expired is D20009.");

pub(super) const OPEN_ID: Field = Field::new("openID", T::String, M)
    .format(Format::Ascii)
    .doc("The tokenised id the token was issued with; any other is D20010.");

pub(super) const SOURCE: Field = Field::new("source", T::String, M).one_of(Source::NAMES).doc(
    "Where the user is: a mobile browser (`Android_Chrome`, `iOS_Safari`, ...), `PC_Browser`, \
     or an e-service app (`App_Link`, `App_Scheme`, `App_Package`); anything else is D20007.",
);

pub(super) const REDIRECT_URI: Field = Field::new("redirectURI", T::String, M)
    .format(Format::Url)
    .doc("Where iAM Smart posts the result; it must be registered for the client, else D20008.");

pub(super) const STATE: Field = Field::new("state", T::String, O)
    .max_len(36)
    .format(Format::Token)
    .doc("Up to 36 letters, digits, `_` or `-`, echoed in the callback.");

pub(super) const FORM_NAME: Field = Field::new("formName", T::String, O)
    .max_len(255)
    .doc("The form's name, shown to the user in the app.");

pub(super) const FORM_NUM: Field = Field::new("formNum", T::String, O)
    .max_len(20)
    .doc("The form's number, shown to the user in the app.");

pub(super) const FORM_DESC: Field = Field::new("formDesc", T::String, O)
    .max_len(255)
    .doc("What the form is for, shown to the user in the app.");

pub(super) const EME_FIELDS: Field = Field::new("eMEFields", T::StringArray, M)
    .one_of(EmeField::NAMES)
    .doc("The e-ME fields wanted; the user may release fewer.");

pub(super) const PROFILE_FIELDS_EXTRA: Field = Field::new("profileFields", T::StringArray, O)
    .one_of(ProfileField::NAMES)
    .doc("Verified profile fields wanted alongside the e-ME fields.");

pub(super) const HASH_CODE: Field = Field::new("hashCode", T::String, M)
    .format(Format::Base64)
    .doc("Base64 of the hash of the document to sign, computed by the e-service.");

pub(super) const SIG_ALGO: Field = Field::new("sigAlgo", T::String, O).one_of(SigAlgo::NAMES).doc(
    "`SHA256withRSA` (default) hashes `hashCode` again before signing; `NONEwithRSA` signs it \
     as is, so it must then be a SHA-256 digest.",
);

pub(super) const HKIC_HASH: Field =
    Field::new("HKICHash", T::String, M).format(Format::Sha256Base64).doc(
        "Base64 of SHA-256 of the intended signer's identity card number without its check digit \
     (e.g. `A123456`); anyone else is refused with D70005.",
    );

pub(super) const HKIC_HASH_OPTIONAL: Field = Field { presence: O, ..HKIC_HASH };

pub(super) const DEPARTMENT: Field = Field::new("department", T::String, O)
    .max_len(100)
    .doc("The department asking, shown in the app.");

pub(super) const SERVICE_NAME: Field = Field::new("serviceName", T::String, M)
    .max_len(255)
    .doc("The service asking, shown in the app.");

pub(super) const DOCUMENT_NAME: Field = Field::new("documentName", T::String, M)
    .max_len(255)
    .doc("The document being signed, shown in the app.");

pub(super) const STEPUP_AUTH_METHOD: Field =
    Field::new("stepupAuthMethod", T::String, O).format(Format::StepupMethod).doc(
        "Extra checks before signing, as JSON text: `{\"unary\":[\"FR\"]}` (face), \
         `{\"unary\":[\"NFC\"]}` (identity card chip) or `{\"and\":[\"FR\",\"NFC\"]}`.",
    );

pub(super) const STEPUP_AUTH_PERIOD: Field = Field::new("stepupAuthPeriod", T::Integer, O)
    .max_value(720)
    .doc("The minimum age of the user's account in hours, up to 720; default 0.");

pub(super) const DOC_DIGEST: Field = Field::new("docDigest", T::String, M)
    .format(Format::Base64)
    .doc("Base64 of the digest of the PDF's byte range covered by the signature.");

pub(super) const RESULT_REQUEST: &[Field] = &[
    BUSINESS_ID.doc("The anonymous request, as named on the redirect."),
    ACCESS_TOKEN.doc("The token getToken returned for the redirect's code."),
    OPEN_ID.doc("The tokenised id getToken returned with it."),
];

pub(super) const TICKET_FIELDS: &[Field] = &[
    Field::new("authByQR", T::Boolean, M).doc(
        "`true` when the user logged in by scanning a QR code: the app is notified by push, \
         so just wait for the callback.",
    ),
    Field::new("ticketID", T::String, C).doc(
        "When `authByQR` is `false`: open the iAM Smart app on this device with it, e.g. \
         through an \"Open iAM Smart\" button.",
    ),
];

pub(super) const ANONYMOUS_TICKET_FIELDS: &[Field] = &[
    Field::new("businessID", T::String, M).doc("The request, echoed."),
    Field::new("ticketID", T::String, M)
        .doc("Pass it to getQR as `ticketID` to show the page for this request."),
];

pub(super) const RESULT_BUSINESS_ID: Field = Field::new("businessID", T::String, M)
    .max_len(36)
    .format(Format::Ascii)
    .doc("The request answered.");

pub(super) const RESULT_STATE: Field =
    Field::new("state", T::String, C).doc("The request's `state`, echoed.");

pub(super) const ID_NO: Field = Field::new("idNo", T::Object, C)
    .doc("Identity card number as `{Identification, CheckDigit}`, e.g. A123456 and 3.");

pub(super) const EN_NAME: Field = Field::new("enName", T::Object, C)
    .doc("English name as `{UnstructuredName}`: surname, comma, given names.");

pub(super) const CH_NAME: Field =
    Field::new("chName", T::Object, C).doc("Chinese name as `{ChineseName}`.");

pub(super) const BIRTH_DATE: Field =
    Field::new("birthDate", T::String, C).doc("Date of birth as `YYYYMMDD`.");

pub(super) const GENDER: Field = Field::new("gender", T::String, C).doc("Gender: `M`, `F` or `U`.");

pub(super) const EME_RESULT_FIELDS: &[Field] = &[
    RESULT_BUSINESS_ID,
    RESULT_STATE,
    ID_NO,
    Field::new("prefix", T::String, C).doc("Title, e.g. `Mr`."),
    EN_NAME,
    CH_NAME,
    Field::new("chNameVerified", T::String, C)
        .doc("The Chinese name as verified by the Immigration Department, only when verified."),
    BIRTH_DATE,
    GENDER,
    Field::new("maritalStatus", T::String, C).doc("Marital status code, e.g. `S`."),
    Field::new("homeTelNumber", T::Object, C).doc("`{CountryCode, SubscriberNumber}`."),
    Field::new("officeTelNumber", T::Object, C).doc("`{CountryCode, SubscriberNumber}`."),
    Field::new("mobileNumber", T::Object, C).doc("`{CountryCode, SubscriberNumber}`."),
    Field::new("emailAddress", T::String, C).doc("E-mail address."),
    Field::new("residentialAddress", T::Object, C).doc(
        "An object with exactly one of `ChiPremisesAddress`, `EngPremisesAddress` or \
         `FreeFormatAddress`.",
    ),
    Field::new("postalAddress", T::Object, C)
        .doc("Like `residentialAddress`, or a `PostBoxAddress`."),
    Field::new("educationLevel", T::String, C).doc("Education level code, e.g. `T`."),
    Field::new("addressDocInfo", T::Object, C).doc(
        "Details of a utility e-bill offered as proof of address: provider, owner, addresses.",
    ),
    Field::new("addressDocFile", T::Object, C)
        .doc("The e-bill itself: `{docFile, docHash, billDate}`."),
];

pub(super) const SIGNED_AT: Field = Field::new("timestamp", T::Integer, C)
    .doc("When the user signed, in milliseconds since the epoch; only on success.");

pub(super) const SIGNATURE_VALUE: Field = Field::new("signature", T::String, C)
    .format(Format::Base64)
    .doc("Base64 of the signature value; only on success.");

pub(super) const CERT: Field = Field::new("cert", T::String, C)
    .format(Format::Base64)
    .doc("Base64 of the signer's DER X.509 certificate; only on success.");

pub(super) const PDF_SIGNATURE: Field =
    Field::new("pdfSignature", T::String, C).format(Format::Base64).doc(
        "Base64 of the detached PKCS#7 signature, with the signer's certificate and signing time.",
    );

pub(super) const NEXT_ACCESS_TOKEN: Field =
    Field::new("accessToken", T::String, O).doc("A token usable for a further signing request.");

pub(super) const CALLBACK_NOTES: &[Note] = &[
    Note {
        mark: Confirmed,
        text: "Outside plain mode `content` is sealed with a content encryption key sent along \
               in `secretKey`, wrapped with the e-service's RSA key; adopt that key if it \
               differs from the cached one.",
    },
    Note {
        mark: Unknown,
        text: "Whether the wrapped `secretKey` holds the raw key or its Base64 text is \
               unknown; the sandbox wraps the raw 32 bytes, like getKey.",
    },
    Note {
        mark: Unknown,
        text: "Callbacks carry no signature of their own, and the reply the platform expects \
               from the e-service is not documented.",
    },
];

pub(super) const PROFILE_CALLBACK_NOTES: &[Note] = &[
    CALLBACK_NOTES[0],
    CALLBACK_NOTES[1],
    CALLBACK_NOTES[2],
    Note {
        mark: Inferred,
        text: "There is no profile cancel code; a cancel in the app is reported as D40000, as \
               integrator code expects.",
    },
];

pub(super) const ANONYMOUS_NOTES: &[Note] = &[
    Note {
        mark: InferredHigh,
        text: "The path comes from a production integrator's configuration; the fields follow \
               CorpID's anonymous APIs.",
    },
    Note {
        mark: Unknown,
        text: "Whether `source`, `redirectURI`, `state` and `lang` belong in this body is \
               unknown; the sandbox takes them from the getQR call and ignores them here.",
    },
    Note {
        mark: ConfirmedAnalog,
        text: "The ticket expires 12 minutes after it is issued; the redirect's code lives one \
               minute.",
    },
];

pub(super) const RESULT_NOTES: &[Note] = &[
    Note {
        mark: ConfirmedAnalog,
        text: "The body follows CorpID's anonymous getResult; the path comes from a production \
               integrator's configuration.",
    },
    Note {
        mark: Unknown,
        text: "Whether a result can be fetched twice is unknown; the sandbox keeps it and \
               answers again while the token is valid.",
    },
];

pub(super) const SIGNING_NOTES: &[Note] = &[
    Note {
        mark: InferredHigh,
        text: "The path comes from a production integrator's configuration.",
    },
    Note {
        mark: Inferred,
        text: "The identification code follows the algorithm of the official sample code: \
               digits taken from MD5(SHA-512(SHA-256(hashCode) || SHA-256(openID))).",
    },
    Note {
        mark: Inferred,
        text: "D70004 (not iAM Smart+) and D70005 (HKICHash mismatch) are answered at once \
               when the token already shows them, otherwise in the callback.",
    },
];

pub(super) const PDF_NOTES: &[Note] = &[
    Note {
        mark: InferredHigh,
        text: "The path comes from a production integrator's configuration.",
    },
    Note {
        mark: ConfirmedAnalog,
        text: "`HKICHash` is optional for PDF signing, as in CorpID; when present it must match \
               the signer.",
    },
];
