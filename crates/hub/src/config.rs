//! The hub's configuration file (TOML). Every field has a documented, strict default, so
//! `rampart-hub serve` with no file works on loopback. Unknown keys are errors, and every error
//! names the line.
//!
//! ```toml
//! # Address to listen on. Without TLS only loopback addresses are accepted.
//! listen = "127.0.0.1:7878"
//! # Where the databases live (default: ./rampart-hub-data).
//! data_dir = "/var/lib/rampart-hub"
//! # The name of the hub's `default` organisation (`rampart-hub org create` adds others):
//! # shown in its authenticator apps and certificates, forbidden inside its passwords.
//! organisation = "Acme Support"
//! # Proxies whose X-Forwarded-For header is believed (CIDRs). Empty: none.
//! trusted_proxies = ["10.0.0.5/32"]
//! # Serving plain HTTP on a non-loopback address exposes passwords and tokens. Refused
//! # unless this is set, and then only for testing inside a trusted network.
//! dangerously_allow_plaintext = false
//!
//! [sessions]
//! idle_secs = 900        # at most 900 (PCI DSS 8.2.8)
//! absolute_secs = 43200  # at most 12 h
//!
//! [chat]
//! agent_capacity = 3     # conversations an agent handles at once
//! # Replies with card numbers or IDs: "confirm" (warn, send masked) or "block".
//! sensitive_replies = "confirm"
//!
//! # Per client address.
//! [limits]
//! sockets_per_ip = 512
//! visitors_per_minute = 60
//! logins_per_minute = 60
//!
//! # Who may reveal masked values (with a reason, audited), how long the originals are kept
//! # (in memory only; never on disk), and how many values one person may reveal per hour
//! # (chat and secure forms together; a burst of that size, then one every 3600/per_hour s).
//! [reveal]
//! roles = ["supervisor"]
//! keep_hours = 24
//! per_hour = 60
//!
//! # Secure forms accept values (kept in memory only) for this long after the request.
//! [forms]
//! expire_minutes = 15
//!
//! # Secure forms of the organisation's own, next to the built-in ones (card, SSN, national
//! # ID, date of birth); every key is described in `custom_forms/mod.rs`.
//! [[forms.custom]]
//! id = "policy-check"
//! title_en = "Policy check"
//! title_es = "Comprobación de póliza"
//!
//! [[forms.custom.fields]]
//! name = "policyNumber"
//! label_en = "Policy number"
//! label_es = "Número de póliza"
//! validation = "pattern"
//! pattern = "[A-Z]{2}-[0-9]{6}"
//! mask = "last4"
//!
//! # Websites that may put the visitor chat on their pages with the one-tag loader
//! # (`<script src="https://hub.example/embed.js" async></script>`). Empty: none may.
//! [widget]
//! embed_origins = ["https://shop.example"]
//!
//! # Masking before storage: a style per kind (last4, full, token) and the contact kinds
//! # (email, phone, ip_address) that stay as written. Cards, CVVs, SSNs, IBANs and national
//! # IDs are always masked.
//! [masking]
//! policies = { credit_card = "last4" }
//! unmasked = []
//!
//! # Security training: the hub refuses live chats to an agent whose required lessons are
//! # missing or expired. `enforce = false` turns the gate off (every agent may take chats; the
//! # console still lists what is missing): for a trial hub only.
//! [training]
//! enforce = true
//! reminder_days = 30     # a passed lesson shows as expiring soon this many days before
//!
//! # With TLS the hub may listen on any address.
//! [tls]
//! cert = "/etc/rampart-hub/fullchain.pem"
//! key = "/etc/rampart-hub/privkey.pem"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use ipnet::IpNet;
use rampart_auth::session::SessionPolicy;
use rampart_protocol::rest::Role;
use serde::Deserialize;

use crate::widget::EmbedOrigin;

/// Default listen address: loopback only.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

/// Errors reading or validating the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// Which file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys or wrong types.
    #[error("{path}:{line}: {message}")]
    Syntax {
        /// Which file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A value is well-formed but not allowed.
    #[error("{0}")]
    Invalid(String),
}

/// Session limits in the file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sessions {
    /// Idle timeout in seconds (≤ 900).
    pub idle_secs: u64,
    /// Absolute lifetime in seconds (≤ 43 200).
    pub absolute_secs: u64,
}

impl Default for Sessions {
    fn default() -> Self {
        let policy = SessionPolicy::default();
        Self {
            idle_secs: policy.idle_secs,
            absolute_secs: policy.absolute_secs,
        }
    }
}

/// Chat settings in the file.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatSection {
    /// Conversations an agent handles at once (1–20).
    pub agent_capacity: usize,
    /// Agents' replies with card numbers, CVVs, SSNs, IBANs or national IDs: `confirm` (the
    /// console warns and sends them masked once confirmed) or `block` (refused by the console
    /// and the hub).
    pub sensitive_replies: rampart_protocol::rest::SensitiveReplies,
}

impl Default for ChatSection {
    fn default() -> Self {
        Self {
            agent_capacity: 3,
            sensitive_replies: rampart_protocol::rest::SensitiveReplies::Confirm,
        }
    }
}

/// Per-source limits in the file (see `crate::limits`).
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    /// Open WebSockets one address may hold.
    pub sockets_per_ip: usize,
    /// Visitor chats one address may start per minute.
    pub visitors_per_minute: u32,
    /// Login, TOTP and enrollment requests per address per minute.
    pub logins_per_minute: u32,
    /// Visitors that may wait for an agent at once; more are asked to come back later.
    pub max_waiting: u64,
}

impl Default for LimitsSection {
    fn default() -> Self {
        Self {
            sockets_per_ip: crate::limits::SOCKETS_PER_IP,
            visitors_per_minute: crate::limits::VISITORS_PER_MINUTE,
            logins_per_minute: crate::limits::LOGINS_PER_MINUTE,
            max_waiting: 500,
        }
    }
}

/// The privacy notice visitors must acknowledge before their first message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacySection {
    /// Version label; change it whenever the text changes (acknowledgements record it).
    pub version: String,
    /// English text.
    pub notice_en: String,
    /// Spanish text.
    pub notice_es: String,
}

impl Default for PrivacySection {
    fn default() -> Self {
        Self {
            version: "2026-11".to_owned(),
            notice_en: "This chat is recorded so we can help you and improve our service. Please \
                never type card numbers, passwords or ID numbers here: if we need them, your agent \
                will send you a secure form. Anything like that typed into the chat is masked \
                before the conversation is stored. You can ask us to erase your conversations \
                at any time."
                .to_owned(),
            notice_es: "Este chat se registra para poder ayudarte y mejorar nuestro servicio. No \
                escribas aquí números de tarjeta, contraseñas ni números de identificación: si los \
                necesitamos, tu agente te enviará un formulario seguro. Lo que escribas de ese tipo \
                en el chat se enmascara antes de guardar la conversación. Puedes pedirnos que \
                borremos tus conversaciones en cualquier momento."
                .to_owned(),
        }
    }
}

/// How long closed conversations are kept.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionSection {
    /// Days a closed conversation (and its messages) is kept (1–3650).
    pub transcript_days: u32,
}

impl Default for RetentionSection {
    fn default() -> Self {
        Self {
            transcript_days: 90,
        }
    }
}

/// Revealing masked values: who may, and how long the hub keeps the originals.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RevealSection {
    /// Roles that may reveal (with a reason, audited). Default: supervisors only.
    pub roles: Vec<Role>,
    /// Hours the originals of masked values are kept, in memory only (0–720; 0 keeps none,
    /// so nothing is revealable). They also go when their conversation closes, and with a
    /// restart of the hub.
    pub keep_hours: u32,
    /// Roles whose consoles may copy a revealed value (never a CVV) to the clipboard, marked
    /// for clipboard managers not to keep and cleared after 10 s. Default: none.
    pub copy_roles: Vec<Role>,
    /// Reveals one person may make per hour, chat and secure forms together (1–1000): a
    /// stolen or misused session cannot unmask a whole queue's data at once.
    pub per_hour: u32,
}

impl Default for RevealSection {
    fn default() -> Self {
        Self {
            roles: vec![Role::Supervisor],
            keep_hours: 24,
            copy_roles: Vec::new(),
            per_hour: 60,
        }
    }
}

/// Secure forms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FormsSection {
    /// Minutes a requested form accepts values and its values are kept (1–120). Values also
    /// go when the conversation closes.
    pub expire_minutes: u32,
    /// Forms the organisation defines (`[[forms.custom]]`, at most
    /// [`crate::custom_forms::MAX_CUSTOM_FORMS`]).
    pub custom: Vec<crate::custom_forms::CustomFormDef>,
}

impl Default for FormsSection {
    fn default() -> Self {
        Self {
            expire_minutes: 15,
            custom: Vec::new(),
        }
    }
}

/// The visitor chat on customers' websites.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WidgetSection {
    /// Origins whose pages may frame the chat (`/chat?embed=1`), each `https://host[:port]` (or
    /// `http://` to loopback), checked when the file is read. Empty (the default): the chat
    /// cannot be embedded and `/embed.js` is not served.
    pub embed_origins: Vec<EmbedOrigin>,
}

/// Security training.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainingSection {
    /// Refuse live chats to agents whose required lessons are missing or expired (default).
    /// `false` allows everyone (the gate frame still lists what is missing).
    pub enforce: bool,
    /// Days before expiry a lesson counts as expiring soon (0–365).
    pub reminder_days: u32,
}

impl Default for TrainingSection {
    fn default() -> Self {
        Self {
            enforce: true,
            reminder_days: 30,
        }
    }
}

/// TLS settings: PEM files of the certificate chain and its private key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// Certificate chain (PEM), leaf first.
    pub cert: PathBuf,
    /// Private key (PEM: PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
}

/// The configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HubConfig {
    /// Listen address.
    pub listen: SocketAddr,
    /// Data directory.
    pub data_dir: PathBuf,
    /// The name of the `default` organisation (see [`crate::org`]).
    pub organisation: String,
    /// Trusted proxies.
    pub trusted_proxies: Vec<IpNet>,
    /// Allow plain HTTP on non-loopback addresses (dangerous).
    pub dangerously_allow_plaintext: bool,
    /// Session limits.
    pub sessions: Sessions,
    /// Chat settings.
    pub chat: ChatSection,
    /// TLS; without it the hub serves plain HTTP and only on loopback.
    pub tls: Option<TlsSection>,
    /// Per-source limits.
    pub limits: LimitsSection,
    /// Privacy notice shown to visitors.
    pub privacy: PrivacySection,
    /// Transcript retention.
    pub retention: RetentionSection,
    /// Revealing masked values.
    pub reveal: RevealSection,
    /// Secure forms.
    pub forms: FormsSection,
    /// The visitor chat on customers' websites.
    pub widget: WidgetSection,
    /// How personal data is masked before storage.
    pub masking: crate::masking::MaskingSection,
    /// Security training and the gate on live work.
    pub training: TrainingSection,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            listen: DEFAULT_LISTEN
                .parse()
                .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 7878))),
            data_dir: PathBuf::from("rampart-hub-data"),
            organisation: "Rampart Demo".to_owned(),
            trusted_proxies: Vec::new(),
            dangerously_allow_plaintext: false,
            sessions: Sessions::default(),
            chat: ChatSection::default(),
            tls: None,
            limits: LimitsSection::default(),
            privacy: PrivacySection::default(),
            retention: RetentionSection::default(),
            reveal: RevealSection::default(),
            forms: FormsSection::default(),
            widget: WidgetSection::default(),
            masking: crate::masking::MaskingSection::default(),
            training: TrainingSection::default(),
        }
    }
}

impl HubConfig {
    /// Parses and validates TOML text; `path` only labels errors.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let line = span.map_or(1, |span| {
                text.as_bytes()[..span.start.min(text.len())]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count()
                    + 1
            });
            ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                message,
            }
        };
        let config: HubConfig =
            toml::from_str(text).map_err(|error| at(error.span(), error.message().to_owned()))?;
        // Mistakes across custom forms (duplicates) are found here, where the text is known.
        crate::custom_forms::check_custom_forms(&config.forms.custom)
            .map_err(|error| at(error.span, error.message))?;
        config.validate()?;
        Ok(config)
    }

    /// Reads and validates a file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Checks values that parse but are not allowed.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if let Some(tls) = &self.tls {
            crate::tls::acceptor(&tls.cert, &tls.key)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        } else if !self.listen.ip().is_loopback() && !self.dangerously_allow_plaintext {
            return Err(ConfigError::Invalid(format!(
                "listen = \"{}\" is not a loopback address and TLS is not configured: passwords \
                 and tokens would cross the network in clear text. Listen on 127.0.0.1 behind a \
                 TLS-terminating proxy (and list it in trusted_proxies)",
                self.listen
            )));
        }
        SessionPolicy {
            idle_secs: self.sessions.idle_secs,
            absolute_secs: self.sessions.absolute_secs,
        }
        .validate()
        .map_err(|_| {
            ConfigError::Invalid(
                "[sessions] idle_secs must be 1–900 and absolute_secs 1–43200".to_owned(),
            )
        })?;
        if self.privacy.version.trim().is_empty()
            || self.privacy.notice_en.trim().is_empty()
            || self.privacy.notice_es.trim().is_empty()
        {
            return Err(ConfigError::Invalid(
                "[privacy] version, notice_en and notice_es must not be empty".to_owned(),
            ));
        }
        let limits = self.limits;
        if limits.sockets_per_ip == 0
            || limits.visitors_per_minute == 0
            || limits.logins_per_minute == 0
            || limits.max_waiting == 0
        {
            return Err(ConfigError::Invalid(
                "[limits] values must be at least 1".to_owned(),
            ));
        }
        if !(1..=3650).contains(&self.retention.transcript_days) {
            return Err(ConfigError::Invalid(
                "[retention] transcript_days must be 1–3650".to_owned(),
            ));
        }
        if !(1..=120).contains(&self.forms.expire_minutes) {
            return Err(ConfigError::Invalid(
                "[forms] expire_minutes must be 1–120".to_owned(),
            ));
        }
        crate::custom_forms::check_custom_forms(&self.forms.custom)
            .map_err(|error| ConfigError::Invalid(format!("[forms.custom] {}", error.message)))?;
        if self.reveal.keep_hours > 720 {
            return Err(ConfigError::Invalid(
                "[reveal] keep_hours must be 0–720".to_owned(),
            ));
        }
        if !(1..=1000).contains(&self.reveal.per_hour) {
            return Err(ConfigError::Invalid(
                "[reveal] per_hour must be 1–1000".to_owned(),
            ));
        }
        if self.training.reminder_days > 365 {
            return Err(ConfigError::Invalid(
                "[training] reminder_days must be 0–365".to_owned(),
            ));
        }
        if !(1..=20).contains(&self.chat.agent_capacity) {
            return Err(ConfigError::Invalid(
                "[chat] agent_capacity must be 1–20".to_owned(),
            ));
        }
        Ok(())
    }

    /// The session policy.
    pub fn session_policy(&self) -> SessionPolicy {
        SessionPolicy {
            idle_secs: self.sessions.idle_secs,
            absolute_secs: self.sessions.absolute_secs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<HubConfig, ConfigError> {
        HubConfig::parse(text, Path::new("hub.toml"))
    }

    #[test]
    fn a_critical_kind_left_unmasked_is_refused_on_its_line() {
        let error = parse(
            "listen = \"127.0.0.1:7878\"\n[masking]\nunmasked = [\"phone\", \"credit_card\"]\n",
        )
        .unwrap_err();
        let text = error.to_string();
        assert!(
            text.contains(":3") && text.contains("always masked"),
            "{text}"
        );
        assert!(
            parse("[masking]\nunmasked = [\"email\"]\npolicies = { us_ssn = \"full\" }").is_ok()
        );
    }

    #[test]
    fn an_empty_file_gives_strict_defaults() {
        let config = parse("").unwrap();
        assert!(config.listen.ip().is_loopback());
        assert_eq!(config.sessions.idle_secs, 900);
        assert!(!config.dangerously_allow_plaintext);
    }

    #[test]
    fn unknown_keys_are_errors_with_their_line() {
        let error = parse("organisation = \"x\"\n\nlisten_addr = \"1.2.3.4:1\"\n").unwrap_err();
        let text = error.to_string();
        assert!(text.starts_with("hub.toml:3:"), "{text}");
        assert!(text.contains("listen_addr"), "{text}");
    }

    #[test]
    fn plaintext_on_a_public_address_is_refused() {
        let error = parse("listen = \"0.0.0.0:7878\"").unwrap_err();
        assert!(error.to_string().contains("not a loopback address"));
        assert!(parse("listen = \"0.0.0.0:7878\"\ndangerously_allow_plaintext = true").is_ok());
    }

    #[test]
    fn reveals_are_capped_per_hour_by_default_and_the_cap_cannot_be_lifted() {
        assert_eq!(parse("").unwrap().reveal.per_hour, 60);
        assert_eq!(parse("[reveal]\nper_hour = 5").unwrap().reveal.per_hour, 5);
        for bad in ["0", "1001"] {
            let error = parse(&format!("[reveal]\nper_hour = {bad}")).unwrap_err();
            assert!(
                error.to_string().contains("per_hour must be 1–1000"),
                "{error}"
            );
        }
    }

    #[test]
    fn session_limits_cannot_be_relaxed() {
        assert!(parse("[sessions]\nidle_secs = 3600").is_err());
        assert!(parse("[sessions]\nidle_secs = 300").is_ok());
    }

    #[test]
    fn the_chat_is_not_embeddable_by_default() {
        assert!(parse("").unwrap().widget.embed_origins.is_empty());
        assert!(parse("[widget]").unwrap().widget.embed_origins.is_empty());
    }

    #[test]
    fn embed_origins_are_checked_when_the_file_is_read_and_errors_name_entry_and_line() {
        let config = parse(
            "[widget]\nembed_origins = [\"https://shop.example\", \"http://127.0.0.1:8080\"]",
        )
        .unwrap();
        let origins: Vec<&str> = config
            .widget
            .embed_origins
            .iter()
            .map(EmbedOrigin::as_str)
            .collect();
        assert_eq!(origins, ["https://shop.example", "http://127.0.0.1:8080"]);
        for (bad, why) in [
            ("*", "wildcards are not allowed"),
            ("https://*.shop.example", "wildcards are not allowed"),
            ("https://shop.example/chat", "no path"),
            ("http://shop.example", "loopback only"),
            ("shop.example", "must start with https://"),
        ] {
            let text = format!(
                "organisation = \"x\"\n[widget]\nembed_origins = [\"https://ok.example\", \"{bad}\"]"
            );
            let error = parse(&text).unwrap_err().to_string();
            assert!(error.starts_with("hub.toml:3:"), "{error}");
            assert!(error.contains(&format!("\"{bad}\"")), "{error}");
            assert!(error.contains(why), "{error}");
        }
    }

    #[test]
    fn training_is_enforced_by_default() {
        let config = parse("").unwrap();
        assert!(config.training.enforce);
        assert_eq!(config.training.reminder_days, 30);
        assert!(
            !parse("[training]\nenforce = false")
                .unwrap()
                .training
                .enforce
        );
        assert!(parse("[training]\nreminder_days = 400").is_err());
    }

    #[test]
    fn wrong_types_name_the_line() {
        let error = parse("[chat]\nagent_capacity = \"many\"").unwrap_err();
        assert!(error.to_string().starts_with("hub.toml:2:"), "{error}");
    }
}
