//! Custom secure forms: the forms an organisation defines in `[[forms.custom]]`
//! (`definition.rs`: read and checked with the configuration) and the server-side check of every
//! value a visitor submits into one (`values.rs`).
//!
//! ```toml
//! [[forms.custom]]
//! id = "policy-check"                    # a-z, 0-9 and dashes; not a built-in kind's name
//! title_en = "Policy check"
//! title_es = "Comprobación de póliza"
//! intro_en = "We need these to find your policy."   # optional; intro_es with it
//! intro_es = "Los necesitamos para encontrar tu póliza."
//!
//! [[forms.custom.fields]]
//! name = "policyNumber"                  # a-z, A-Z, 0-9, starting with a letter
//! label_en = "Policy number"
//! label_es = "Número de póliza"
//! hint_en = "For example AB-123456"      # optional; hint_es with it
//! hint_es = "Por ejemplo AB-123456"
//! validation = "pattern"                 # text, digits, pattern, date, email, luhn, spanish_id, iban
//! pattern = "[A-Z]{2}-[0-9]{6}"          # matched against the whole value
//! max_length = 9
//! mask = "last4"                         # full (default) or last4
//! required = true                        # default
//! reveal_once = false                    # true: the first view removes it, like a CVV
//! ```
//!
//! Invariants:
//! - Every mistake is an error naming its line: values through their own types (ids, names,
//!   texts, patterns), a form's or field's combination of keys through the table, duplicates
//!   through the spans kept here ([`check_custom_forms`]).
//! - Patterns are compiled with the `regex` crate (linear time, no backtracking) with size and
//!   nesting limits, always anchored to the whole value.
//! - A value is never echoed: errors name the field and what is wrong.

mod definition;
mod values;

pub use definition::{CustomFormDef, CustomFormsError, check_custom_forms};

/// Custom forms a hub may define.
pub const MAX_CUSTOM_FORMS: usize = 20;
/// Fields a custom form may have.
pub const MAX_CUSTOM_FIELDS: usize = 10;
/// Longest value a custom field accepts, in characters.
pub const MAX_CUSTOM_VALUE_CHARS: u32 = 128;
/// Longest pattern, in characters.
const MAX_PATTERN_CHARS: usize = 256;
/// Compiled size limit of a pattern (the regex crate's own unit: bytes of its program).
const PATTERN_SIZE_LIMIT: usize = 64 * 1024;
/// Longest id or field name.
const MAX_NAME_CHARS: usize = 32;
/// What a fully masked value shows, whatever its length.
const FULL_MASK: &str = "••••••";

/// Names a custom form may not take: the built-in kinds (`national-id`, `date_of_birth`…
/// are the same names to a reader and to the audit log).
const BUILT_IN_NAMES: [&str; 4] = ["card", "ssn", "nationalid", "dateofbirth"];

/// Helpers for the tests of both halves.
#[cfg(test)]
mod test_support {
    use std::path::Path;

    use rampart_protocol::FormValue;

    use crate::config::HubConfig;

    /// The form the hub's integration tests and the widget's browser test use too.
    pub const POLICY: &str = include_str!("../../tests/hub/policy_form.toml");

    pub fn parse(text: &str) -> Result<HubConfig, String> {
        HubConfig::parse(text, Path::new("hub.toml")).map_err(|e| e.to_string())
    }

    pub fn values(pairs: &[(&str, &str)]) -> Vec<FormValue> {
        pairs.iter().map(|(n, v)| FormValue::new(*n, *v)).collect()
    }

    /// A form with one field whose keys are `field` (after `name` and the labels).
    pub fn one_field(id: &str, field: &str) -> String {
        format!(
            "[[forms.custom]]\nid = \"{id}\"\ntitle_en = \"T\"\ntitle_es = \"T\"\n\n[[forms.custom.fields]]\nname = \"f\"\nlabel_en = \"F\"\nlabel_es = \"F\"\n{field}\n"
        )
    }
}
