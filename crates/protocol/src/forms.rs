//! Custom secure forms: forms an organisation defines in its hub's configuration, next to the
//! built-in kinds (card, SSN, national ID, date of birth).
//!
//! The hub sends a [`CustomForm`] to agents in their profile (so the console can offer it) and
//! with each `formRequested` of that form (so the visitor's widget can draw it). It carries the
//! texts in both languages the product speaks and, per field, a check from a closed set that the
//! widget runs for convenience and the hub runs again with authority.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A text in English and Spanish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Localized {
    /// English.
    pub en: String,
    /// Spanish.
    pub es: String,
}

/// A form defined in the hub's configuration (`[[forms.custom]]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomForm {
    /// Its id: lower-case letters, digits and dashes (`policy-check`).
    pub id: String,
    /// Its title.
    pub title: Localized,
    /// A sentence shown above the fields, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub intro: Option<Localized>,
    /// The fields, in display order.
    pub fields: Vec<CustomField>,
}

/// One field of a custom form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CustomField {
    /// Its name in `submitForm` values and masked fields (`policyNumber`).
    pub name: String,
    /// Its label.
    pub label: Localized,
    /// A hint under the label (an example of the format), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub hint: Option<Localized>,
    /// Whether the visitor must fill it in.
    pub required: bool,
    /// What a value must be.
    pub check: FieldCheck,
    /// How agents see the value before a reveal.
    pub mask: FieldMask,
    /// The value is removed by its first reveal (like a CVV).
    pub reveal_once: bool,
}

/// What a custom field's value must be: a closed set, checked by the widget and by the hub.
/// Lengths count characters (digits for `digits`); surrounding spaces are trimmed first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FieldCheck {
    /// Any text without control characters.
    Text {
        /// Fewest characters.
        min_length: u32,
        /// Most characters.
        max_length: u32,
    },
    /// Digits; spaces and dashes between them are dropped.
    Digits {
        /// Fewest digits.
        min_length: u32,
        /// Most digits.
        max_length: u32,
    },
    /// The whole value matches a regular expression.
    Pattern {
        /// The expression as the hub checks it, already anchored (`^(?:…)$`).
        pattern: String,
        /// Most characters.
        max_length: u32,
    },
    /// A real calendar date, `YYYY-MM-DD`, from 1900 to 2199.
    Date,
    /// An email address (`name@domain.tld`).
    Email,
    /// 8 to 19 digits passing the Luhn check (spaces and dashes between them are dropped).
    Luhn,
    /// A Spanish DNI or NIE with its control letter.
    SpanishId,
    /// An IBAN with its registry length and check digits.
    Iban,
}

/// How agents see a custom field's value before a reveal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum FieldMask {
    /// Nothing of it (a fixed row of dots, whatever its length).
    Full,
    /// Its last four characters (values of four or fewer show nothing).
    Last4,
}
