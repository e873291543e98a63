//! Personas: the invented iAM Smart users a tester can log in as.
//!
//! The personas live in `data/personas.json`, compiled in with `include_str!` and parsed once.
//! Each carries what the platform knows about a user: the verified profile (the card-face data
//! a profile request releases), the self-maintained e-ME profile (what form filling releases),
//! the account type (`default` for iAM Smart, `sign` for iAM Smart+), whether signing is
//! currently enabled, and the `lastModifiedDate` getToken reports. Profile and e-ME values are
//! kept in their exact wire shape, so releasing a field is copying its JSON value.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{
    Error,
    vocab::{EmeField, ProfileField, UserType},
};

/// One invented iAM Smart user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Persona {
    /// A stable, readable identifier such as `chan-tai-man`.
    pub id: String,
    /// One sentence telling a tester what this persona is for.
    pub summary: String,
    /// `default` (iAM Smart) or `sign` (iAM Smart+).
    pub user_type: UserType,
    /// Whether the user can sign right now; an iAM Smart+ user may have signing disabled.
    pub signing_enabled: bool,
    /// When the verified profile last changed, in milliseconds since the Unix epoch.
    pub last_modified_date: u64,
    /// The verified profile, keyed by profile field name, in wire shape.
    pub profile: Map<String, Value>,
    /// The e-ME profile, keyed by e-ME field name, in wire shape; absent fields were never
    /// filled in by the user.
    pub eme: Map<String, Value>,
}

/// Every persona, in the order of `data/personas.json`.
pub fn all() -> &'static [Persona] {
    static PERSONAS: OnceLock<Vec<Persona>> = OnceLock::new();
    PERSONAS.get_or_init(|| parse(include_str!("../../data/personas.json")))
}

/// The persona with this id; [`Error::NotFound`] when there is none.
pub fn find(id: &str) -> Result<&'static Persona, Error> {
    all().iter().find(|it| it.id == id).ok_or(Error::NotFound)
}

impl Persona {
    /// Whether the persona may sign: an iAM Smart+ user with signing enabled.
    pub fn can_sign(&self) -> bool {
        self.user_type == UserType::Sign && self.signing_enabled
    }

    /// The identity card number without its check digit, e.g. `A123456`.
    pub fn hkic_identifier(&self) -> &str {
        self.profile
            .get(ProfileField::IdNo.as_str())
            .and_then(|it| it.get("Identification"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The English name as printed on the card, e.g. `CHAN, Tai Man`.
    pub fn en_name(&self) -> &str {
        self.profile
            .get(ProfileField::EnName.as_str())
            .and_then(|it| it.get("UnstructuredName"))
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The profile fields among `wanted` that this persona has, in `wanted`'s order.
    pub fn profile_fields(&self, wanted: &[ProfileField]) -> Map<String, Value> {
        pick(&self.profile, wanted.iter().map(|it| it.as_str()))
    }

    /// The e-ME fields among `wanted` that this persona has filled in, in `wanted`'s order.
    pub fn eme_fields(&self, wanted: &[EmeField]) -> Map<String, Value> {
        pick(&self.eme, wanted.iter().map(|it| it.as_str()))
    }
}

/// Copies the entries of `from` named in `names`, skipping absent ones.
fn pick<'a>(from: &Map<String, Value>, names: impl Iterator<Item = &'a str>) -> Map<String, Value> {
    names.filter_map(|name| from.get(name).map(|value| (name.to_owned(), value.clone()))).collect()
}

/// The shape of `data/personas.json`.
#[derive(Deserialize)]
struct PersonaFile {
    personas: Vec<Persona>,
}

/// Parses the compiled-in persona file, which a test proves well formed.
fn parse(text: &str) -> Vec<Persona> {
    serde_json::from_str::<PersonaFile>(text).map(|it| it.personas).unwrap_or_default()
}
