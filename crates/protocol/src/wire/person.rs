//! Personal data released to an e-service: profile fields and e-ME fields.
//!
//! A profile or e-ME result carries only the fields the user released, so every field is
//! optional and absent ones are not serialised. Key names follow the platform exactly,
//! including its mixed conventions: camelCase for top-level fields and e-bill objects,
//! PascalCase inside identity and address objects, and the literal key `Sub-district`.

use serde::{Deserialize, Serialize};

/// Every profile and e-ME field a result can carry; profile results use the first five.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersonalData {
    /// Identity card number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_no: Option<IdNo>,
    /// Title, e.g. `Mr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// English name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_name: Option<EnName>,
    /// Chinese name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ch_name: Option<ChName>,
    /// Chinese name as verified by the Immigration Department; only when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ch_name_verified: Option<String>,
    /// Date of birth, `YYYYMMDD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    /// Gender code, e.g. `M`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<String>,
    /// Marital status code, e.g. `S`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub marital_status: Option<String>,
    /// Home telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_tel_number: Option<PhoneNumber>,
    /// Office telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub office_tel_number: Option<PhoneNumber>,
    /// Mobile number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile_number: Option<PhoneNumber>,
    /// E-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    /// Residential address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residential_address: Option<Address>,
    /// Postal address; the only address that may be a post box.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<Address>,
    /// Education level code, e.g. `T`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education_level: Option<String>,
    /// Metadata of an e-bill offered as proof of address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_doc_info: Option<AddressDocInfo>,
    /// The e-bill itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_doc_file: Option<AddressDocFile>,
}

/// An identity card number split as printed: `A123456(A)` is `A123456` and `A`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IdNo {
    /// Letters and digits before the parentheses.
    pub identification: String,
    /// The check digit inside the parentheses.
    pub check_digit: String,
}

/// An English name: surname, comma, given names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnName {
    /// The whole name, e.g. `SAN, Chi Nan`.
    pub unstructured_name: String,
}

/// A Chinese name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChName {
    /// The name in Chinese characters.
    pub chinese_name: String,
}

/// A telephone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PhoneNumber {
    /// Country calling code without `+`, e.g. `852`.
    pub country_code: String,
    /// The local number.
    pub subscriber_number: String,
}

/// An address: an object holding exactly one of the variant keys.
///
/// The structured variants are boxed, as they are much larger than the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Address {
    /// A structured address in Chinese.
    ChiPremisesAddress(Box<ChiPremisesAddress>),
    /// A structured address in English, or an English lot address.
    EngPremisesAddress(Box<EngPremisesAddress>),
    /// Free text lines.
    FreeFormatAddress(FreeFormatAddress),
    /// A post office box (postal addresses only).
    PostBoxAddress(PostBoxAddress),
}

/// A structured Chinese address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChiPremisesAddress {
    /// Region, e.g. `香港`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// District Council district and sub-district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_district: Option<District>,
    /// Building name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_name: Option<String>,
    /// Estate and phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_estate: Option<ChiEstate>,
    /// Street and building number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_street: Option<Street>,
    /// Block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_block: Option<Block>,
    /// Floor and unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi3d_address: Option<ChiThreeD>,
}

/// A structured English address; the sub-object names mirror the Chinese ones.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EngPremisesAddress {
    /// Region, e.g. `HK`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// District Council district and sub-district.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_district: Option<District>,
    /// Building name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_name: Option<String>,
    /// Estate and phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_estate: Option<EngEstate>,
    /// Street and building number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_street: Option<Street>,
    /// Block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_block: Option<Block>,
    /// Floor and unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng3d_address: Option<EngThreeD>,
    /// A lot (village) address, instead of the street form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_lot: Option<Lot>,
}

/// A District Council district with its sub-district.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct District {
    /// District code, e.g. `WC`.
    #[serde(rename = "DcDistrict", default, skip_serializing_if = "Option::is_none")]
    pub dc_district: Option<String>,
    /// Sub-district name.
    #[serde(rename = "Sub-district", default, skip_serializing_if = "Option::is_none")]
    pub sub_district: Option<String>,
}

/// A Chinese estate name with its phase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChiEstate {
    /// Estate name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate_name: Option<String>,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_phase: Option<ChiPhase>,
}

/// A phase of a Chinese estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChiPhase {
    /// Phase name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_name: Option<String>,
}

/// An English estate name with its phase.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EngEstate {
    /// Estate name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estate_name: Option<String>,
    /// Phase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_phase: Option<EngPhase>,
}

/// A phase of an English estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EngPhase {
    /// Phase name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase_name: Option<String>,
}

/// A street with the building's number on it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Street {
    /// Street name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_name: Option<String>,
    /// Building number (the first, for a range).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub building_no_from: Option<String>,
}

/// A block of a building or estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Block {
    /// The word for "block", e.g. `座`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_descriptor: Option<String>,
    /// The block's number or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_no: Option<String>,
}

/// Floor and unit of a Chinese address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChiThreeD {
    /// Floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_floor: Option<Floor>,
    /// Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_unit: Option<Unit>,
}

/// Floor and unit of an English address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EngThreeD {
    /// Floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_floor: Option<Floor>,
    /// Unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_unit: Option<Unit>,
}

/// A floor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Floor {
    /// Floor number, e.g. `15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor_num: Option<String>,
}

/// A unit (flat or room).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Unit {
    /// The word for the unit, e.g. `室` or `FLAT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_descriptor: Option<String>,
    /// The unit's number, e.g. `A1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit_no: Option<String>,
}

/// A lot address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Lot {
    /// The lot in structured form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_structured_lot: Option<StructuredLot>,
}

/// A demarcation-district lot with its sections and subsections.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StructuredLot {
    /// Demarcation district type, e.g. `DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dd_type: Option<String>,
    /// Demarcation district number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dd_no: Option<String>,
    /// Lot type, e.g. `LOT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_type: Option<String>,
    /// Lot number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_no: Option<String>,
    /// First section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_section1: Option<String>,
    /// First subsection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_subsection1: Option<String>,
    /// Second section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_section2: Option<String>,
    /// Second subsection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_subsection2: Option<String>,
    /// Third section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_section3: Option<String>,
    /// Third subsection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_subsection3: Option<String>,
    /// Extended portion code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot_extend_portion_code: Option<String>,
}

/// An address as free text lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FreeFormatAddress {
    /// Language of the lines, e.g. `en`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language_code: Option<String>,
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Third line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
}

/// A post office box address, in English or Chinese.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PostBoxAddress {
    /// The box, in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eng_post_box: Option<PostBox>,
    /// The box, in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chi_post_box: Option<PostBox>,
}

/// A post office box.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PostBox {
    /// Box number; a JSON number on the wire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub po_box_no: Option<u64>,
    /// Post office name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_office: Option<String>,
    /// Post office region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_office_region: Option<String>,
}

/// Metadata of a utility e-bill offered as proof of address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressDocInfo {
    /// Utility company name in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_provider_name: Option<String>,
    /// Utility company name in Traditional Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tc_provider_name: Option<String>,
    /// Utility company name in Simplified Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sc_provider_name: Option<String>,
    /// Bill owner in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_user_name: Option<String>,
    /// Bill owner in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tc_user_name: Option<String>,
    /// Service address in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_service_address: Option<AddressLines>,
    /// Service address in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tc_service_address: Option<AddressLines>,
    /// Postal address in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub en_postal_address: Option<AddressLines>,
    /// Postal address in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tc_postal_address: Option<AddressLines>,
    /// When the bill was fetched, in milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_retrieval_date: Option<u64>,
}

/// Up to four address lines of an e-bill.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressLines {
    /// First line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    /// Second line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    /// Third line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line3: Option<String>,
    /// Fourth line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_line4: Option<String>,
}

/// A utility e-bill document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddressDocFile {
    /// Base64 of the PDF.
    pub doc_file: String,
    /// SHA-256 of the PDF, in hex.
    pub doc_hash: String,
    /// Bill date, in milliseconds since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bill_date: Option<u64>,
}
