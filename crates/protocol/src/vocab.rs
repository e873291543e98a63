//! The closed vocabularies of the wire: sources, languages, scopes, field names and codes.
//!
//! Each enum here stands for a parameter whose value must come from a fixed list. Every enum
//! knows its exact wire spelling ([`Source::as_str`]), lists all spellings in `NAMES` (the
//! catalogue shows them as allowed values), parses with the error the platform would answer
//! (`D20003` naming the parameter, or `D20007` for `source`), and serialises as its wire
//! string. Parsing is exact and case-sensitive, like the real platform's.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use crate::Error;

/// Declares a wire vocabulary enum with its spellings, parser and serde impls.
macro_rules! vocab {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($param:literal, $reject:expr) {
            $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
        }

        impl $name {
            /// The parameter that carries this value, as spelled on the wire.
            pub const PARAM: &'static str = $param;

            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)*];

            /// Every wire spelling, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($wire,)*];

            /// The value as spelled on the wire.
            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire,)* }
            }

            /// Parses an exact, case-sensitive wire spelling.
            pub fn parse(s: &str) -> Result<$name, Error> {
                match s {
                    $($wire => Ok($name::$variant),)*
                    _ => Err($reject),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                $name::parse(&s).map_err(|_| de::Error::unknown_variant(&s, $name::NAMES))
            }
        }
    };
}

vocab! {
    /// Who initiates a request: a browser family, a desktop browser, or an e-service app
    /// (the `source` parameter; an unknown value is `D20007`).
    pub enum Source ("source", Error::UnsupportedSource) {
        /// Chrome on Android.
        AndroidChrome = "Android_Chrome",
        /// Firefox on Android.
        AndroidFirefox = "Android_Firefox",
        /// Edge on Android.
        AndroidEdge = "Android_Edge",
        /// Samsung's built-in browser.
        AndroidSamsung = "Android_Samsung",
        /// Huawei's built-in browser.
        AndroidHuawei = "Android_Huawei",
        /// Xiaomi's built-in browser.
        AndroidXiaomi = "Android_Xiaomi",
        /// Safari on iOS.
        IosSafari = "iOS_Safari",
        /// Chrome on iOS.
        IosChrome = "iOS_Chrome",
        /// Firefox on iOS.
        IosFirefox = "iOS_Firefox",
        /// Edge on iOS.
        IosEdge = "iOS_Edge",
        /// Any desktop browser.
        PcBrowser = "PC_Browser",
        /// An e-service app invoked by an iOS Universal Link.
        AppLink = "App_Link",
        /// An e-service app invoked by a URL scheme.
        AppScheme = "App_Scheme",
        /// An Android e-service app invoked by package and activity (app-to-app v2).
        AppPackage = "App_Package",
    }
}

vocab! {
    /// The language of pages iAM Smart shows (the `lang` parameter; default `zh-HK`).
    #[derive(Default)]
    pub enum Lang ("lang", Error::InvalidParameter("lang".into())) {
        /// English.
        EnUs = "en-US",
        /// Traditional Chinese, the default.
        #[default]
        ZhHk = "zh-HK",
        /// Simplified Chinese.
        ZhCn = "zh-CN",
    }
}

vocab! {
    /// One authorisation scope; a client's approved scopes and a login's requested scopes are
    /// space-delimited lists of these (see [`Scopes`]).
    pub enum Scope ("scope", Error::InvalidParameter("scope".into())) {
        /// Log in with iAM Smart.
        Auth = "eidapi_auth",
        /// Request verified profile fields.
        Profiles = "eidapi_profiles",
        /// e-ME form filling, logged-in and anonymous.
        FormFilling = "eidapi_formFilling",
        /// Digital signing: hash, PDF and anonymous.
        Sign = "eidapi_sign",
        /// Re-authentication (face recognition).
        Fr = "eidapi_fr",
        /// Bulk digital signing.
        BulkSign = "eidapi_bulksign",
        /// Step-up authentication.
        Sua = "eidapi_sua",
    }
}

vocab! {
    /// A verified identity field that a profile request can ask for (`profileFields`).
    pub enum ProfileField ("profileFields", Error::InvalidParameter("profileFields".into())) {
        /// Identity card number, as `{Identification, CheckDigit}`.
        IdNo = "idNo",
        /// English name.
        EnName = "enName",
        /// Chinese name.
        ChName = "chName",
        /// Date of birth, `YYYYMMDD`.
        BirthDate = "birthDate",
        /// Gender code.
        Gender = "gender",
    }
}

vocab! {
    /// A field of the user's self-maintained e-ME profile that form filling can ask for
    /// (`eMEFields`).
    pub enum EmeField ("eMEFields", Error::InvalidParameter("eMEFields".into())) {
        /// Identity card number.
        IdNo = "idNo",
        /// Title such as `Mr`.
        Prefix = "prefix",
        /// English name.
        EnName = "enName",
        /// Chinese name.
        ChName = "chName",
        /// Chinese name as verified character codes, present only when verified.
        ChNameVerified = "chNameVerified",
        /// Date of birth, `YYYYMMDD`.
        BirthDate = "birthDate",
        /// Gender code.
        Gender = "gender",
        /// Marital status code.
        MaritalStatus = "maritalStatus",
        /// Home telephone number.
        HomeTelNumber = "homeTelNumber",
        /// Office telephone number.
        OfficeTelNumber = "officeTelNumber",
        /// Mobile number.
        MobileNumber = "mobileNumber",
        /// E-mail address.
        EmailAddress = "emailAddress",
        /// Residential address.
        ResidentialAddress = "residentialAddress",
        /// Postal address.
        PostalAddress = "postalAddress",
        /// Education level code.
        EducationLevel = "educationLevel",
        /// Metadata of an e-bill offered as proof of address.
        AddressDocInfo = "addressDocInfo",
        /// The e-bill document offered as proof of address.
        AddressDocFile = "addressDocFile",
    }
}

vocab! {
    /// How the signer's key signs `hashCode` (`sigAlgo`; default `SHA256withRSA`).
    pub enum SigAlgo ("sigAlgo", Error::InvalidParameter("sigAlgo".into())) {
        /// The platform hashes `hashCode` with SHA-256 and signs with RSA, the default.
        Sha256WithRsa = "SHA256withRSA",
        /// `hashCode` already is a SHA-256 digest and is signed as is with RSA.
        NoneWithRsa = "NONEwithRSA",
    }
}

vocab! {
    /// The e-service's verdict on a signature it received (`signingResult`).
    pub enum SigningResult ("signingResult", Error::InvalidParameter("signingResult".into())) {
        /// The signature was received and accepted.
        Accepted = "SR001",
        /// The signature was received and rejected.
        Rejected = "SR002",
        /// No signature was received.
        NotReceived = "SR003",
    }
}

vocab! {
    /// The kind of iAM Smart account behind a token (`userType`).
    pub enum UserType ("userType", Error::InvalidParameter("userType".into())) {
        /// An "iAM Smart" user, without signing capability.
        Default = "default",
        /// An "iAM Smart+" user, who can sign.
        Sign = "sign",
    }
}

vocab! {
    /// The kind of grant exchanged for a token (`grantType`).
    pub enum GrantType ("grantType", Error::InvalidParameter("grantType".into())) {
        /// An authorisation code from a redirect.
        AuthorizationCode = "authorization_code",
    }
}

vocab! {
    /// What the browser flow should return (`responseType`).
    pub enum ResponseType ("responseType", Error::InvalidParameter("responseType".into())) {
        /// An authorisation code.
        Code = "code",
    }
}

vocab! {
    /// How an access token is presented (`tokenType`).
    pub enum TokenType ("tokenType", Error::InvalidParameter("tokenType".into())) {
        /// A bearer token.
        Bearer = "Bearer",
    }
}

/// A set of scopes, written on the wire as a space-delimited, case-sensitive list.
///
/// Order is kept as first written; repeats are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Scopes(Vec<Scope>);

impl Source {
    /// Whether getQR accepts this source: every value except the app-initiated `App_Link`
    /// and `App_Scheme`.
    pub const fn allowed_for_get_qr(self) -> bool {
        !matches!(self, Source::AppLink | Source::AppScheme)
    }

    /// Whether this is a browser on a phone (Android or iOS).
    pub const fn is_mobile_browser(self) -> bool {
        matches!(
            self,
            Source::AndroidChrome
                | Source::AndroidFirefox
                | Source::AndroidEdge
                | Source::AndroidSamsung
                | Source::AndroidHuawei
                | Source::AndroidXiaomi
                | Source::IosSafari
                | Source::IosChrome
                | Source::IosFirefox
                | Source::IosEdge
        )
    }

    /// Whether this is an e-service mobile app rather than a browser.
    pub const fn is_app(self) -> bool {
        matches!(self, Source::AppLink | Source::AppScheme | Source::AppPackage)
    }

    /// Whether this is a desktop browser, the only source shown a QR code by default.
    pub const fn is_desktop(self) -> bool {
        matches!(self, Source::PcBrowser)
    }
}

impl Scopes {
    /// Parses a space-delimited list such as `"eidapi_auth eidapi_sign"`.
    ///
    /// Runs of spaces are tolerated; a blank list is `D20002` and an unknown scope `D20003`.
    pub fn parse(s: &str) -> Result<Scopes, Error> {
        let mut res = Scopes::default();
        for token in s.split(' ').filter(|t| !t.is_empty()) {
            res.insert(Scope::parse(token)?);
        }
        if res.0.is_empty() {
            return Err(Error::EmptyParameter(Scope::PARAM.into()));
        }
        Ok(res)
    }

    /// Adds a scope unless it is already present.
    pub fn insert(&mut self, scope: Scope) {
        if !self.contains(scope) {
            self.0.push(scope);
        }
    }

    /// Whether the set holds `scope`.
    pub fn contains(&self, scope: Scope) -> bool {
        self.0.contains(&scope)
    }

    /// Whether every scope of `other` is in this set.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.iter().all(|s| self.contains(s))
    }

    /// The scopes, in the order first written.
    pub fn iter(&self) -> impl Iterator<Item = Scope> + '_ {
        self.0.iter().copied()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Scopes {
        let mut res = Scopes::default();
        for scope in iter {
            res.insert(scope);
        }
        res
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (idx, scope) in self.0.iter().enumerate() {
            if idx > 0 {
                f.write_str(" ")?;
            }
            f.write_str(scope.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for Scopes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scopes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Scopes::parse(&s).map_err(|err| de::Error::custom(err.message()))
    }
}

#[cfg(test)]
mod tests;
