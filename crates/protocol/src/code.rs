//! Return codes: every `D`-code iAM Smart is known to return, with its message.
//!
//! Codes travel in the `code` field of every response and callback envelope, and as
//! `error_code` on failed browser redirects. Business errors are HTTP 200 with a non-success
//! code. Messages follow the wording observed from the real platform; where a message names a
//! parameter (`{x}`), [`Code::message_with`] fills it in.

use std::fmt;

macro_rules! codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $message:literal;)*) => {
        /// A return code of the iAM Smart API.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[$doc])* $variant,)*
        }

        impl Code {
            /// Every code, in numeric order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as sent on the wire, e.g. `"D20006"`.
            pub const fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// The message template; `{x}` stands for a parameter name.
            pub const fn template(self) -> &'static str {
                match self { $(Code::$variant => $message,)* }
            }

            /// Parses a wire code such as `"D40004"`.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($code => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// The request succeeded.
    Success = "D00000", "SUCCESS";
    /// An unexpected failure inside the platform.
    UnknownException = "D20000", "unknown exception";
    /// A mandatory parameter or header is absent.
    MissingParameter = "D20001", "parameter {x} is missing";
    /// A mandatory parameter or header is present but empty.
    EmptyParameter = "D20002", "empty parameter {x}";
    /// A parameter has a wrong type, length, format or value.
    InvalidParameter = "D20003", "invalid parameter {x}";
    /// The nonce was seen before, or the timestamp went backwards: a replay.
    DuplicatedRequest = "D20004", "duplicated request";
    /// `signatureMethod` is not `HmacSHA256`.
    UnsupportedSignatureMethod = "D20005", "unsupported signature method";
    /// The `signature` header does not match the request.
    SignatureVerificationFailed = "D20006", "signature verification failed";
    /// `source` is not one of the supported values.
    UnsupportedSource = "D20007", "unsupported source";
    /// `redirectURI` is not registered for the client.
    InvalidRedirectUri = "D20008", "invalid e-service redirect URL";
    /// The access token is unknown or expired.
    AccessTokenInvalid = "D20009", "accessToken not exist or expired";
    /// The tokenised ID is unknown or does not belong to the access token.
    OpenIdNotExist = "D20010", "openID not exist";
    /// The `businessID` was already used by this client.
    DuplicatedBusinessId = "D20011", "duplicated businessID";
    /// The client or the token lacks the scope the API needs.
    InsufficientScope = "D20012", "insufficient scope";
    /// The requested scope does not match the client's approved scopes.
    ScopeMismatch = "D20015", "scope mismatch";
    /// Access denied.
    AccessDeny = "D20026", "access deny";
    /// The requested item does not exist.
    NotFound = "D20027", "not found";
    /// The client has no usable key encryption key (RSA public key).
    KekNotExist = "D30001", "key encryption key not exist or expired";
    /// The client has no current content encryption key: call getKey.
    CekNotExist = "D30002", "content encryption key not exist or expired";
    /// The platform could not encrypt the response.
    EncryptionException = "D30003", "encryption exception";
    /// The request's `content` could not be decrypted with the current key.
    DecryptionException = "D30004", "decryption exception";
    /// The user cancelled the login in the app.
    AuthCancelled = "D40000", "user cancelled authentication request";
    /// The user rejected the login.
    AuthRejected = "D40001", "user rejected authentication request";
    /// The user could not be authenticated (e.g. biometric check failed).
    AuthFailed = "D40002", "failed to authenticate";
    /// The user did not answer the login in time.
    AuthTimeout = "D40003", "authentication request timeout";
    /// The authorisation code is unknown, used or expired.
    AuthCodeInvalid = "D40004", "authCode not exist or expired";
    /// The user's identity card record is in error.
    IdCardError = "D40035", "user ID card error";
    /// The user rejected the profile request.
    ProfileRejected = "D50001", "user rejected profile request";
    /// The profile request failed.
    ProfileFailed = "D50002", "failed to request profile";
    /// The user did not answer the profile request in time.
    ProfileTimeout = "D50003", "profile request timeout";
    /// The user cancelled the form-filling request.
    FormFillingCancelled = "D60000", "user cancelled form filling request";
    /// The user rejected the form-filling request.
    FormFillingRejected = "D60001", "user rejected form filling request";
    /// The form-filling request failed.
    FormFillingFailed = "D60002", "failed to request form filling";
    /// The user did not answer the form-filling request in time.
    FormFillingTimeout = "D60003", "form filling request timeout";
    /// The user cancelled the signing request.
    SigningCancelled = "D70000", "user cancelled signing request";
    /// The user rejected the signing request.
    SigningRejected = "D70001", "user rejected signing request";
    /// The signing request failed.
    SigningFailed = "D70002", "failed to request signing";
    /// The user did not answer the signing request in time.
    SigningTimeout = "D70003", "signing request timeout";
    /// The user has no signing capability (not an iAM Smart+ user).
    SigningNotAllowed = "D70004", "user not allowed to sign";
    /// `HKICHash` does not match the signer's identity card number.
    InconsistentHkic = "D70005", "inconsistent HKIC number";
    /// The signing acknowledgement could not be processed.
    SigningAckFailed = "D70006", "failed to process signing acknowledgement";
    /// The user rejected the re-authentication request.
    ReauthRejected = "D80001", "user rejected re-authentication request";
    /// The re-authentication failed.
    ReauthFailed = "D80002", "failed to request re-authentication";
    /// The user did not answer the re-authentication request in time.
    ReauthTimeout = "D80003", "re-authentication request timeout";
}

impl Code {
    /// Whether this is [`Code::Success`].
    pub const fn is_success(self) -> bool {
        matches!(self, Code::Success)
    }

    /// The message, with `{x}` replaced by `param` where the template names a parameter.
    pub fn message_with(self, param: &str) -> String {
        self.template().replace("{x}", param)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_sorted_and_unique() {
        for pair in Code::ALL.windows(2) {
            assert!(pair[0].as_str() < pair[1].as_str(), "{:?}", pair);
        }
        for &code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(code));
            assert!(code.as_str().starts_with('D') && code.as_str().len() == 6);
        }
        assert_eq!(Code::parse("D99999"), None);
    }

    #[test]
    fn parameter_messages_name_the_parameter() {
        assert_eq!(Code::MissingParameter.message_with("nonce"), "parameter nonce is missing");
        assert_eq!(Code::Success.message_with("x"), "SUCCESS");
    }
}
