//! Secure forms: an agent asks for sensitive data, the visitor types it into a form in the
//! widget, and the values reach the hub over the visitor's own session without ever entering
//! the transcript.
//!
//! Invariants:
//! - Values live in memory only, as [`SecretString`]s: never in the database, the logs or the
//!   audit log (which records that a form was requested, submitted and viewed).
//! - A form accepts one submission, before it expires. Its values go when the conversation
//!   closes or is erased, or when the form expires (default 15 minutes after the request).
//! - A CVV is shown once: its first reveal removes it.
//! - Validation (Luhn and brand, expiry, CVV length, SSN rules, DNI/NIE control letter, dates)
//!   happens here as well as in the widget; errors name the field, never the value. Custom forms
//!   (`[[forms.custom]]`, [`crate::custom_forms`]) are checked against their definition here too,
//!   and held exactly like the built-in ones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rampart_auth::SecretString;
use rampart_pii::validate;
use rampart_protocol::{
    AgentId, ConversationId, CustomForm, FormId, FormKind, FormValue, MaskedField,
};

use crate::custom_forms::CustomFormDef;

/// Forms held at most (open or submitted); beyond this new requests are refused.
pub const MAX_FORMS: usize = 10_000;
/// Longest accepted field value, in characters.
const MAX_VALUE_CHARS: usize = 64;

/// Why a form operation was refused. Messages name fields, never values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// No such form in this conversation, or it expired or was already submitted.
    #[error("the form is not open")]
    NotOpen,
    /// A value failed validation.
    #[error("{field}: {problem}")]
    Invalid {
        /// Which field (a built-in name, a configured one, or `form`: never the visitor's text).
        field: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A custom form the configuration does not define (never, or no longer).
    #[error("no secure form with this id is configured")]
    Unknown,
    /// Too many forms are held.
    #[error("too many secure forms are open; try again later")]
    Full,
    /// Not the agent who asked for it.
    #[error("only the requesting agent may view this form")]
    Forbidden,
}

/// A submitted field: its value (until a one-time reveal takes it) and what agents see.
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) value: Option<SecretString>,
    pub(crate) masked: String,
    /// A CVV (or a custom field marked `reveal_once`) is removed by its first reveal.
    pub(crate) once: bool,
}

impl Field {
    /// A checked, normalised value and its masked form.
    pub(crate) fn new(name: String, value: String, masked: String, once: bool) -> Self {
        Self {
            name,
            value: Some(SecretString::new(value)),
            masked,
            once,
        }
    }
}

/// One field's value, shown to the agent who asked for the form.
#[derive(Debug)]
pub struct FormReveal {
    /// The form's kind.
    pub kind: FormKind,
    /// The value (`Debug` redacts it).
    pub value: SecretString,
    /// This view removed it (a CVV or a `reveal_once` field): never offered for copying.
    pub once: bool,
}

struct Form {
    conversation: ConversationId,
    kind: FormKind,
    requested_by: AgentId,
    expires_at_ms: i64,
    fields: Option<Vec<Field>>,
}

/// A form a conversation holds, as a reconnecting agent is shown it.
#[derive(Debug, Clone)]
pub struct HeldForm {
    /// Its id.
    pub id: FormId,
    /// What it asks for.
    pub kind: FormKind,
    /// When it and its values expire (Unix ms).
    pub expires_at: i64,
    /// `None` while open; the masked fields once submitted.
    pub fields: Option<Vec<MaskedField>>,
}

/// Open and submitted forms, in memory. Cheap to clone.
#[derive(Clone)]
pub struct SecureForms {
    forms: Arc<Mutex<HashMap<FormId, Form>>>,
    ttl_ms: i64,
    custom: Arc<[CustomFormDef]>,
}

impl std::fmt::Debug for SecureForms {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecureForms")
            .field("held", &self.lock().len())
            .finish()
    }
}

impl SecureForms {
    /// Forms that expire `ttl` after their request.
    pub fn new(ttl: Duration) -> Self {
        Self {
            forms: Arc::default(),
            ttl_ms: i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX),
            custom: Arc::new([]),
        }
    }

    /// Also offers the configured custom forms.
    #[must_use]
    pub fn with_custom(mut self, custom: &[CustomFormDef]) -> Self {
        self.custom = custom.into();
        self
    }

    /// The custom forms' definitions, in configuration order.
    pub fn custom_forms(&self) -> Vec<CustomForm> {
        self.custom.iter().map(|f| f.definition().clone()).collect()
    }

    /// A custom form's definition; `None` for built-in kinds.
    pub fn definition(&self, kind: &FormKind) -> Option<&CustomForm> {
        self.custom_def(kind).map(CustomFormDef::definition)
    }

    fn custom_def(&self, kind: &FormKind) -> Option<&CustomFormDef> {
        let FormKind::Custom(id) = kind else {
            return None;
        };
        self.custom.iter().find(|f| f.definition().id == *id)
    }

    /// A field name fit for the audit log: a built-in or configured name, or `unknown` (a
    /// request's text is not trusted into the log).
    pub fn audit_field_name(&self, field: &str) -> String {
        let built_in = FormKind::BUILT_IN
            .iter()
            .flat_map(|kind| kind.fields().iter().copied());
        let custom = self
            .custom
            .iter()
            .flat_map(|f| f.definition().fields.iter().map(|f| f.name.as_str()));
        built_in
            .chain(custom)
            .find(|known| *known == field)
            .unwrap_or("unknown")
            .to_owned()
    }

    /// Checks a submission against its form and returns the fields, normalised and masked.
    fn validate(
        &self,
        kind: &FormKind,
        values: &[FormValue],
        now_ms: i64,
    ) -> Result<Vec<Field>, FormError> {
        match kind {
            FormKind::Custom(_) => self
                .custom_def(kind)
                .ok_or(FormError::Unknown)?
                .validate(values),
            built_in => validate_form(built_in, values, now_ms),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<FormId, Form>> {
        self.forms.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens a form. Returns its id and expiry (Unix ms). A custom form must be configured.
    pub fn request(
        &self,
        conversation: ConversationId,
        kind: FormKind,
        by: AgentId,
        now_ms: i64,
    ) -> Result<(FormId, i64), FormError> {
        if matches!(kind, FormKind::Custom(_)) && self.custom_def(&kind).is_none() {
            return Err(FormError::Unknown);
        }
        let mut forms = self.lock();
        if forms.len() >= MAX_FORMS {
            forms.retain(|_, f| f.expires_at_ms > now_ms);
            if forms.len() >= MAX_FORMS {
                return Err(FormError::Full);
            }
        }
        let id = FormId::new();
        let expires_at_ms = now_ms.saturating_add(self.ttl_ms);
        forms.insert(
            id,
            Form {
                conversation,
                kind,
                requested_by: by,
                expires_at_ms,
                fields: None,
            },
        );
        Ok((id, expires_at_ms))
    }

    /// Accepts the visitor's values for an open form. Returns the kind and the masked fields.
    pub fn submit(
        &self,
        conversation: ConversationId,
        id: FormId,
        values: &[FormValue],
        now_ms: i64,
    ) -> Result<(FormKind, Vec<MaskedField>), FormError> {
        let mut forms = self.lock();
        let form = forms
            .get_mut(&id)
            .filter(|f| {
                f.conversation == conversation && f.expires_at_ms > now_ms && f.fields.is_none()
            })
            .ok_or(FormError::NotOpen)?;
        let fields = self.validate(&form.kind, values, now_ms)?;
        let masked = fields.iter().map(view).collect();
        form.fields = Some(fields);
        Ok((form.kind.clone(), masked))
    }

    /// The value of one field, for the agent who asked (the caller audits the view). A CVV
    /// is removed by this; other values stay until the form goes.
    pub fn reveal(
        &self,
        conversation: ConversationId,
        id: FormId,
        field: &str,
        who: AgentId,
        now_ms: i64,
    ) -> Result<FormReveal, FormError> {
        let mut forms = self.lock();
        let form = forms
            .get_mut(&id)
            .filter(|f| f.conversation == conversation && f.expires_at_ms > now_ms)
            .ok_or(FormError::NotOpen)?;
        if form.requested_by != who {
            return Err(FormError::Forbidden);
        }
        let kind = form.kind.clone();
        let slot = form
            .fields
            .as_mut()
            .and_then(|fields| fields.iter_mut().find(|f| f.name == field))
            .ok_or(FormError::NotOpen)?;
        let value = if slot.once {
            slot.value.take()
        } else {
            slot.value.clone()
        };
        let once = slot.once;
        value
            .map(|value| FormReveal { kind, value, once })
            .ok_or(FormError::NotOpen)
    }

    /// The fields of a submitted form as agents see them now.
    pub fn masked(&self, id: FormId) -> Option<(ConversationId, FormKind, Vec<MaskedField>)> {
        let forms = self.lock();
        let form = forms.get(&id)?;
        let fields = form.fields.as_ref()?;
        Some((
            form.conversation,
            form.kind.clone(),
            fields.iter().map(view).collect(),
        ))
    }

    /// Open (not yet submitted, not expired) forms of a conversation: (id, kind, expiry).
    pub fn open_in(
        &self,
        conversation: ConversationId,
        now_ms: i64,
    ) -> Vec<(FormId, FormKind, i64)> {
        self.lock()
            .iter()
            .filter(|(_, f)| {
                f.conversation == conversation && f.fields.is_none() && f.expires_at_ms > now_ms
            })
            .map(|(id, f)| (*id, f.kind.clone(), f.expires_at_ms))
            .collect()
    }

    /// Every form of a conversation still held (open, or submitted and not yet expired), oldest
    /// first: id, kind, expiry, and for a submitted form its fields as `agent` may use them now:
    /// revealable only for the agent who asked for the form, and a field shown once and
    /// already viewed no longer.
    pub fn held_in(
        &self,
        conversation: ConversationId,
        agent: AgentId,
        now_ms: i64,
    ) -> Vec<HeldForm> {
        let mut held: Vec<HeldForm> = self
            .lock()
            .iter()
            .filter(|(_, f)| f.conversation == conversation && f.expires_at_ms > now_ms)
            .map(|(id, f)| HeldForm {
                id: *id,
                kind: f.kind.clone(),
                expires_at: f.expires_at_ms,
                fields: f.fields.as_ref().map(|fields| {
                    fields
                        .iter()
                        .map(|field| MaskedField {
                            revealable: f.requested_by == agent && field.value.is_some(),
                            ..view(field)
                        })
                        .collect()
                }),
            })
            .collect();
        held.sort_by_key(|f| f.expires_at);
        held
    }

    /// Drops one form (its request could not be recorded).
    pub fn forget_form(&self, id: FormId) {
        self.lock().remove(&id);
    }

    /// Drops every form of a conversation (closed or erased). Returns how many.
    pub fn forget_conversation(&self, conversation: ConversationId) -> usize {
        let mut forms = self.lock();
        let before = forms.len();
        forms.retain(|_, f| f.conversation != conversation);
        before - forms.len()
    }

    /// Drops expired forms. Returns how many.
    pub fn purge(&self, now_ms: i64) -> usize {
        let mut forms = self.lock();
        let before = forms.len();
        forms.retain(|_, f| f.expires_at_ms > now_ms);
        before - forms.len()
    }

    /// Forms held now.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether none are held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// (year, month, day) in UTC of a Unix time in milliseconds (the civil-from-days algorithm).
fn civil_date(now_ms: i64) -> (u32, u32, u32) {
    let days = now_ms.div_euclid(86_400_000) + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let clamp = |v: i64| u32::try_from(v).unwrap_or(0);
    (clamp(year), clamp(month), clamp(day))
}

pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn view(field: &Field) -> MaskedField {
    MaskedField {
        name: field.name.clone(),
        masked: field.masked.clone(),
        revealable: field.value.is_some(),
    }
}

fn invalid(field: &'static str, problem: &'static str) -> FormError {
    FormError::Invalid {
        field: field.to_owned(),
        problem,
    }
}

/// Checks a submission against a built-in form and returns the fields, normalised and masked.
fn validate_form(
    kind: &FormKind,
    values: &[FormValue],
    now_ms: i64,
) -> Result<Vec<Field>, FormError> {
    let names = kind.fields();
    if values.len() != names.len() {
        return Err(invalid("form", "wrong number of fields"));
    }
    let mut out = Vec::with_capacity(names.len());
    for &name in names {
        let value = values
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.value.trim())
            .ok_or_else(|| invalid(name, "missing"))?;
        if value.is_empty() {
            return Err(invalid(name, "empty"));
        }
        if value.chars().count() > MAX_VALUE_CHARS || value.chars().any(char::is_control) {
            return Err(invalid(name, "not a valid value"));
        }
        out.push(validate_field(name, value, now_ms)?);
    }
    Ok(out)
}

/// The digits of a value in which only `allowed_separators` may stand between them.
pub(crate) fn digits_of(value: &str, allowed_separators: &[char]) -> Option<String> {
    let mut digits = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
        } else if !allowed_separators.contains(&c) {
            return None;
        }
    }
    Some(digits)
}

/// A Spanish DNI or NIE with a correct control letter, upper-case without separators.
pub(crate) fn spanish_id(value: &str) -> Option<String> {
    let compact: String = value
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = match compact.as_bytes() {
        [prefix @ (b'X' | b'Y' | b'Z'), digits @ .., letter] if digits.len() == 7 => {
            validate::es_nie(*prefix, digits, *letter)
        }
        [digits @ .., letter] if digits.len() == 8 => validate::es_dni(digits, *letter),
        _ => false,
    };
    valid.then_some(compact)
}

fn bullets(count: usize) -> String {
    "•".repeat(count)
}

fn validate_field(name: &'static str, value: &str, now_ms: i64) -> Result<Field, FormError> {
    let field = |value: String, masked: String, once: bool| {
        Field::new(name.to_owned(), value, masked, once)
    };
    match name {
        "cardNumber" => {
            let digits =
                digits_of(value, &[' ', '-']).ok_or_else(|| invalid(name, "digits only"))?;
            if !(12..=19).contains(&digits.len()) || !validate::card(digits.as_bytes()) {
                return Err(invalid(name, "not a valid card number"));
            }
            let last4 = &digits[digits.len() - 4..];
            Ok(field(digits.clone(), format!("•••• {last4}"), false))
        }
        "expiry" => {
            // MM/YY or MM/YYYY (a one-digit month is fine), not before the current month.
            let (month, year) = value
                .split_once(['/', '-', ' '])
                .ok_or_else(|| invalid(name, "MM/YY"))?;
            let (month, year) = (month.trim(), year.trim());
            let digits_only = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
            if !digits_only(month) || !digits_only(year) || month.len() > 2 {
                return Err(invalid(name, "MM/YY"));
            }
            let month: u32 = month.parse().map_err(|_| invalid(name, "MM/YY"))?;
            let year: u32 = match year.len() {
                2 => 2000 + year.parse::<u32>().map_err(|_| invalid(name, "MM/YY"))?,
                4 => year.parse().map_err(|_| invalid(name, "MM/YY"))?,
                _ => return Err(invalid(name, "MM/YY")),
            };
            if !(1..=12).contains(&month) {
                return Err(invalid(name, "MM/YY"));
            }
            let (this_year, this_month, _) = civil_date(now_ms);
            if (year, month) < (this_year, this_month) {
                return Err(invalid(name, "expired"));
            }
            Ok(field(
                format!("{month:02}/{:02}", year % 100),
                "••/••".to_owned(),
                false,
            ))
        }
        "cvv" => {
            let digits = digits_of(value, &[]).ok_or_else(|| invalid(name, "digits only"))?;
            if !(3..=4).contains(&digits.len()) {
                return Err(invalid(name, "3 or 4 digits"));
            }
            Ok(field(digits, bullets(3), true))
        }
        "ssn" => {
            let digits =
                digits_of(value, &['-', ' ']).ok_or_else(|| invalid(name, "digits only"))?;
            if !validate::us_ssn(digits.as_bytes()) {
                return Err(invalid(name, "not a valid SSN"));
            }
            let last4 = &digits[5..];
            let formatted = format!("{}-{}-{}", &digits[..3], &digits[3..5], last4);
            Ok(field(formatted, format!("•••-••-{last4}"), false))
        }
        "nationalId" => {
            let compact =
                spanish_id(value).ok_or_else(|| invalid(name, "not a valid DNI or NIE"))?;
            let masked = format!(
                "{}{}",
                bullets(compact.len() - 1),
                &compact[compact.len() - 1..]
            );
            Ok(field(compact, masked, false))
        }
        "dateOfBirth" => {
            // A real calendar date between 1900 and today.
            let parts: Vec<&str> = value.split('-').collect();
            let number = |s: &str, len: usize| {
                (s.len() == len && s.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| s.parse::<u32>().ok())
                    .flatten()
            };
            let date = match parts.as_slice() {
                [y, m, d] => number(y, 4).zip(number(m, 2)).zip(number(d, 2)),
                _ => None,
            };
            let Some(((year, month), day)) = date else {
                return Err(invalid(name, "YYYY-MM-DD"));
            };
            let today = civil_date(now_ms);
            let valid = (1..=12).contains(&month)
                && (1..=days_in_month(year, month)).contains(&day)
                && year >= 1900
                && (year, month, day) <= today;
            if !valid {
                return Err(invalid(name, "YYYY-MM-DD"));
            }
            Ok(field(value.to_owned(), "••••-••-••".to_owned(), false))
        }
        _ => Err(invalid("form", "unknown field")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-29, 12:00 UTC.
    const NOW: i64 = 1_795_953_600_000;

    #[test]
    fn dates_are_real_calendar_dates_against_today() {
        assert_eq!(civil_date(NOW), (2026, 11, 29));
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400_000), (2000, 2, 29));
        let check = |kind, name: &str, value: &str| {
            validate_form(&kind, &values(&[(name, value)]), NOW).is_ok()
        };
        assert!(check(FormKind::DateOfBirth, "dateOfBirth", "2000-02-29"));
        assert!(!check(FormKind::DateOfBirth, "dateOfBirth", "1990-02-29"));
        assert!(!check(FormKind::DateOfBirth, "dateOfBirth", "1990-02-31"));
        assert!(!check(FormKind::DateOfBirth, "dateOfBirth", "1990-+1-+1"));
        assert!(
            !check(FormKind::DateOfBirth, "dateOfBirth", "2027-01-01"),
            "future"
        );
        assert!(!check(FormKind::DateOfBirth, "dateOfBirth", "1899-12-31"));
        let expiry = |value: &str| {
            let form = values(&[
                ("cardNumber", "4111 1111 1111 1111"),
                ("expiry", value),
                ("cvv", "123"),
            ]);
            validate_form(&FormKind::Card, &form, NOW)
                .map(|f| f[1].value.as_ref().unwrap().expose().clone())
        };
        assert_eq!(expiry("1/29").unwrap(), "01/29");
        assert_eq!(
            expiry("11/2026").unwrap(),
            "11/26",
            "this month is still valid"
        );
        assert!(expiry("10/26").is_err(), "last month has expired");
        assert!(expiry("12/1999").is_err());
        assert!(expiry("+1/29").is_err());
        assert!(expiry("1229").is_err(), "a separator is required");
    }

    fn values(pairs: &[(&str, &str)]) -> Vec<FormValue> {
        pairs
            .iter()
            .map(|(n, v)| FormValue {
                name: (*n).to_owned(),
                value: (*v).to_owned(),
            })
            .collect()
    }

    fn card() -> Vec<FormValue> {
        values(&[
            ("cardNumber", "4111 1111 1111 1111"),
            ("expiry", "12/29"),
            ("cvv", "123"),
        ])
    }

    #[test]
    fn a_card_form_round_trips_masked_and_the_cvv_shows_once() {
        let forms = SecureForms::new(Duration::from_secs(900));
        let (c, agent) = (ConversationId::new(), AgentId::new());
        let (id, expires) = forms.request(c, FormKind::Card, agent, 1_000).unwrap();
        assert_eq!(expires, 901_000);
        assert_eq!(forms.open_in(c, 2_000).len(), 1);
        let (kind, masked) = forms.submit(c, id, &card(), 2_000).unwrap();
        assert_eq!(kind, FormKind::Card);
        let shown: Vec<&str> = masked.iter().map(|f| f.masked.as_str()).collect();
        assert_eq!(shown, ["•••• 1111", "••/••", "•••"]);
        assert!(
            forms.open_in(c, 2_000).is_empty(),
            "submitted forms are not open"
        );
        assert_eq!(
            forms.submit(c, id, &card(), 2_000),
            Err(FormError::NotOpen),
            "one submission"
        );
        let number = forms.reveal(c, id, "cardNumber", agent, 3_000).unwrap();
        assert_eq!(number.value.expose(), "4111111111111111");
        assert!(!number.once);
        assert!(
            forms.reveal(c, id, "cardNumber", agent, 3_000).is_ok(),
            "card stays"
        );
        let cvv = forms.reveal(c, id, "cvv", agent, 3_000).unwrap();
        assert_eq!(cvv.value.expose(), "123");
        assert!(cvv.once);
        assert_eq!(
            forms.reveal(c, id, "cvv", agent, 3_000).unwrap_err(),
            FormError::NotOpen
        );
        let (_, _, after) = forms.masked(id).unwrap();
        assert!(!after.iter().find(|f| f.name == "cvv").unwrap().revealable);
        assert_eq!(
            forms
                .reveal(c, id, "cardNumber", AgentId::new(), 3_000)
                .unwrap_err(),
            FormError::Forbidden
        );
    }

    #[test]
    fn held_forms_are_shown_as_each_agent_may_use_them_now() {
        let forms = SecureForms::new(Duration::from_secs(900));
        let (c, asked, colleague) = (ConversationId::new(), AgentId::new(), AgentId::new());
        let (card_form, _) = forms.request(c, FormKind::Card, asked, 1_000).unwrap();
        let (open_form, _) = forms.request(c, FormKind::Ssn, asked, 2_000).unwrap();
        forms
            .request(ConversationId::new(), FormKind::Ssn, asked, 2_000)
            .unwrap();
        forms.submit(c, card_form, &card(), 3_000).unwrap();
        forms.reveal(c, card_form, "cvv", asked, 4_000).unwrap();
        let revealable = |agent| -> Vec<(String, bool)> {
            let held = forms.held_in(c, agent, 5_000);
            let ids: Vec<FormId> = held.iter().map(|f| f.id).collect();
            assert_eq!(
                ids,
                [card_form, open_form],
                "this conversation's, oldest first"
            );
            assert!(held[1].fields.is_none(), "the second is still open");
            held[0]
                .fields
                .iter()
                .flatten()
                .map(|f| (f.name.clone(), f.revealable))
                .collect()
        };
        let pairs = |v: &[(&str, bool)]| -> Vec<(String, bool)> {
            v.iter().map(|(n, r)| ((*n).to_owned(), *r)).collect()
        };
        assert_eq!(
            revealable(asked),
            pairs(&[("cardNumber", true), ("expiry", true), ("cvv", false)])
        );
        assert_eq!(
            revealable(colleague),
            pairs(&[("cardNumber", false), ("expiry", false), ("cvv", false)]),
            "only the agent who asked may reveal"
        );
        assert!(
            forms.held_in(c, asked, 902_000).is_empty(),
            "expired forms are not held"
        );
    }

    #[test]
    fn forms_expire_and_go_with_their_conversation() {
        let forms = SecureForms::new(Duration::from_secs(60));
        let (c, agent) = (ConversationId::new(), AgentId::new());
        let (id, _) = forms.request(c, FormKind::Card, agent, 0).unwrap();
        assert_eq!(
            forms.submit(c, id, &card(), 60_000),
            Err(FormError::NotOpen),
            "expired"
        );
        let (id, _) = forms.request(c, FormKind::Card, agent, 60_000).unwrap();
        forms.submit(c, id, &card(), 61_000).unwrap();
        assert_eq!(
            forms
                .reveal(c, id, "cardNumber", agent, 121_000)
                .unwrap_err(),
            FormError::NotOpen
        );
        assert_eq!(forms.purge(121_000), 2);
        let (other, _) = forms
            .request(ConversationId::new(), FormKind::Ssn, agent, 0)
            .unwrap();
        forms.request(c, FormKind::Ssn, agent, 0).unwrap();
        assert_eq!(forms.forget_conversation(c), 1);
        assert!(forms.masked(other).is_none(), "not submitted yet");
        assert_eq!(forms.len(), 1);
        // Another conversation cannot submit into this form.
        assert_eq!(
            forms.submit(c, other, &values(&[("ssn", "123-45-6788")]), 1),
            Err(FormError::NotOpen)
        );
    }

    #[test]
    fn values_are_validated_and_errors_never_echo_them() {
        type Case<'a> = (FormKind, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case<'_>] = &[
            (
                FormKind::Card,
                &[
                    ("cardNumber", "4111 1111 1111 1112"),
                    ("expiry", "12/29"),
                    ("cvv", "123"),
                ],
                "cardNumber",
            ),
            (
                FormKind::Card,
                &[
                    ("cardNumber", "4111 1111 1111 1111"),
                    ("expiry", "13/29"),
                    ("cvv", "123"),
                ],
                "expiry",
            ),
            (
                FormKind::Card,
                &[
                    ("cardNumber", "4111 1111 1111 1111"),
                    ("expiry", "12/29"),
                    ("cvv", "12"),
                ],
                "cvv",
            ),
            (
                FormKind::Card,
                &[("cardNumber", "4111 1111 1111 1111"), ("expiry", "12/29")],
                "form",
            ),
            (FormKind::Ssn, &[("ssn", "666-12-3456")], "ssn"),
            (FormKind::Ssn, &[("ssn", "<script>")], "ssn"),
            (
                FormKind::NationalId,
                &[("nationalId", "12345678A")],
                "nationalId",
            ),
            (
                FormKind::DateOfBirth,
                &[("dateOfBirth", "1990-13-01")],
                "dateOfBirth",
            ),
            (
                FormKind::DateOfBirth,
                &[("other", "1990-01-01")],
                "dateOfBirth",
            ),
        ];
        for (kind, pairs, field) in cases {
            let error = validate_form(kind, &values(pairs), NOW).err().unwrap();
            let text = error.to_string();
            assert!(text.starts_with(field), "{kind:?} {pairs:?}: {text}");
            for (_, value) in *pairs {
                assert!(!text.contains(value), "{text} echoes {value}");
            }
        }
        let ok = validate_form(
            &FormKind::NationalId,
            &values(&[("nationalId", "x-1234567-l")]),
            NOW,
        )
        .unwrap();
        assert_eq!(ok[0].masked, "••••••••L");
        let ok = validate_form(
            &FormKind::NationalId,
            &values(&[("nationalId", "12.345.678-z")]),
            NOW,
        )
        .unwrap();
        assert_eq!(ok[0].value.as_ref().unwrap().expose(), "12345678Z");
        let ok = validate_form(&FormKind::Ssn, &values(&[("ssn", "123 45 6788")]), NOW).unwrap();
        assert_eq!(ok[0].masked, "•••-••-6788");
        let long = "9".repeat(65);
        assert!(validate_form(&FormKind::Ssn, &values(&[("ssn", &long)]), NOW).is_err());
    }

    #[test]
    fn the_number_of_forms_is_bounded() {
        let forms = SecureForms::new(Duration::from_secs(1));
        let c = ConversationId::new();
        for _ in 0..MAX_FORMS {
            forms.request(c, FormKind::Ssn, AgentId::new(), 0).unwrap();
        }
        assert_eq!(
            forms
                .request(c, FormKind::Ssn, AgentId::new(), 500)
                .unwrap_err(),
            FormError::Full
        );
        assert!(
            forms
                .request(c, FormKind::Ssn, AgentId::new(), 1_500)
                .is_ok(),
            "expired ones make room"
        );
    }
}
