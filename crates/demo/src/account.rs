//! The demo agent's credentials and the file that keeps them between starts.
//!
//! A file holding a password *and* the TOTP secret defeats the point of two factors. It is
//! acceptable here only because this is a local demo: the hub listens on loopback, holds
//! simulated visitors and nothing else, and the file is readable by its owner only (0600).
//! Never copy these credentials to a real hub.
//!
//! The password is random per install but typeable: four words from a small built-in list and
//! two digits, checked against the hub's own password policy before use.

use std::io::Write;
use std::path::{Path, PathBuf};

use rampart_auth::password::{PasswordContext, PasswordPolicy};
use rampart_auth::totp::{Totp, TotpConfig, TotpSecret};
use rampart_secret::SecretString;
use rand::Rng;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Login name of the demo agent.
pub const USERNAME: &str = "demo.agent";
/// Name the demo agent shows to visitors.
pub const DISPLAY_NAME: &str = "Alex (demo)";
/// Organisation name of the demo hub (shown in authenticator apps, banned inside passwords).
pub const ORGANISATION: &str = "Rampart Demo";
/// File name of the credentials inside the data directory.
pub const ACCOUNT_FILE: &str = "demo-account.json";
/// Login name of the demo trainer.
pub const TRAINER_USERNAME: &str = "demo.trainer";
/// The demo trainer's display name.
pub const TRAINER_DISPLAY_NAME: &str = "Sam (demo trainer)";
/// File of the demo trainer's credentials.
pub const TRAINER_FILE: &str = "demo-trainer.json";
/// Login name of the demo's new, untrained agent.
pub const NEWCOMER_USERNAME: &str = "demo.newcomer";
/// The new agent's display name.
pub const NEWCOMER_DISPLAY_NAME: &str = "Riley (demo, new agent)";
/// File of the new agent's credentials.
pub const NEWCOMER_FILE: &str = "demo-newcomer.json";

/// One of the demo's accounts: who it is and where its credentials are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Login name.
    pub username: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Role at the hub.
    pub role: rampart_protocol::rest::Role,
    /// File name inside the data directory.
    pub file: &'static str,
}

/// The demo agent (trained: the demo seeds its required lessons).
pub const AGENT: Profile = Profile {
    username: USERNAME,
    display_name: DISPLAY_NAME,
    role: rampart_protocol::rest::Role::Agent,
    file: ACCOUNT_FILE,
};
/// The demo trainer.
pub const TRAINER: Profile = Profile {
    username: TRAINER_USERNAME,
    display_name: TRAINER_DISPLAY_NAME,
    role: rampart_protocol::rest::Role::Trainer,
    file: TRAINER_FILE,
};
/// A new agent with no training: the hub routes no chats to them until they pass.
pub const NEWCOMER: Profile = Profile {
    username: NEWCOMER_USERNAME,
    display_name: NEWCOMER_DISPLAY_NAME,
    role: rampart_protocol::rest::Role::Agent,
    file: NEWCOMER_FILE,
};

/// Format version of [`ACCOUNT_FILE`].
const FILE_VERSION: u32 = 1;
/// Issuer used for the local code generator (codes do not depend on it).
const ISSUER: &str = "Rampart Demo";

/// The demo agent: who it is and how to produce its second factor.
///
/// `Debug` shows the names only; the password and the TOTP secret are redacted.
#[derive(Clone)]
pub struct DemoAccount {
    username: String,
    display_name: String,
    password: SecretString,
    totp_secret: SecretString,
    totp: Totp,
}

impl std::fmt::Debug for DemoAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoAccount")
            .field("username", &self.username)
            .field("display_name", &self.display_name)
            .field("password", &self.password)
            .field("totp_secret", &self.totp_secret)
            .finish()
    }
}

impl DemoAccount {
    /// An account from its parts; fails if the secret is not base32 or too short.
    pub(crate) fn new(
        username: String,
        display_name: String,
        password: SecretString,
        totp_secret: SecretString,
    ) -> Result<Self, rampart_auth::Error> {
        let secret = TotpSecret::from_base32(&totp_secret)?;
        let totp = Totp::new(&secret, TotpConfig::default(), ISSUER, &username)?;
        Ok(Self {
            username,
            display_name,
            password,
            totp_secret,
            totp,
        })
    }

    /// The login name (`demo.agent`).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The name visitors see.
    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    /// The password.
    pub fn password(&self) -> &SecretString {
        &self.password
    }

    /// The TOTP secret (unpadded base32), for adding the account to a real authenticator app.
    pub fn totp_secret(&self) -> &SecretString {
        &self.totp_secret
    }

    /// The raw TOTP secret bytes.
    pub(crate) fn totp_secret_bytes(&self) -> Result<Vec<u8>, rampart_auth::Error> {
        TotpSecret::from_base32(&self.totp_secret).map(|s| s.expose_bytes().to_vec())
    }

    /// The 6-digit code for the 30-second step containing `unix_secs`, and how many seconds of
    /// that step are left (1–30).
    ///
    /// The hub accepts a code once per step (replay protection) and also the codes of the
    /// steps either side of its clock; a second login inside the same step therefore needs the
    /// next step's code: `code_at(now + 30)`.
    pub fn code_at(&self, unix_secs: u64) -> (String, u64) {
        let period = self.totp.config().period_secs;
        let code = self.totp.code_at(unix_secs).expose().clone();
        (code, period - unix_secs % period)
    }

    /// The step length in seconds (30).
    pub(crate) fn period_secs(&self) -> u64 {
        self.totp.config().period_secs
    }
}

/// The credentials file as written to disk. Holds secrets: no `Debug`, wiped on drop.
#[derive(Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccountFile {
    version: u32,
    username: String,
    display_name: String,
    password: String,
    totp_secret: String,
}

/// Why a credentials file could not be used. Never carries the file's content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileProblem {
    /// It exists but cannot be read.
    Unreadable,
    /// It is not the expected JSON.
    Corrupt,
    /// A version this build does not know.
    UnknownVersion,
    /// The values in it are unusable (empty, wrong user, bad secret).
    Invalid,
}

impl FileProblem {
    /// For log lines.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Unreadable => "unreadable",
            Self::Corrupt => "not valid JSON of the expected shape",
            Self::UnknownVersion => "of an unknown format version",
            Self::Invalid => "holding unusable values",
        }
    }
}

/// Where the demo agent's credentials live for `data_dir`.
#[cfg(test)]
pub fn account_path(data_dir: &Path) -> PathBuf {
    profile_path(data_dir, AGENT)
}

/// Where `profile`'s credentials live for `data_dir`.
pub fn profile_path(data_dir: &Path, profile: Profile) -> PathBuf {
    data_dir.join(profile.file)
}

/// Reads the demo agent's credentials: `Ok(None)` when there is no file yet.
#[cfg(test)]
pub(crate) fn load(data_dir: &Path) -> Result<Option<DemoAccount>, FileProblem> {
    load_profile(data_dir, AGENT)
}

/// Reads `profile`'s credentials: `Ok(None)` when there is no file yet.
pub(crate) fn load_profile(
    data_dir: &Path,
    profile: Profile,
) -> Result<Option<DemoAccount>, FileProblem> {
    let bytes = match std::fs::read(profile_path(data_dir, profile)) {
        Ok(bytes) => zeroize::Zeroizing::new(bytes),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(FileProblem::Unreadable),
    };
    let file: AccountFile = serde_json::from_slice(&bytes).map_err(|_| FileProblem::Corrupt)?;
    if file.version != FILE_VERSION {
        return Err(FileProblem::UnknownVersion);
    }
    if file.username != profile.username || file.password.is_empty() {
        return Err(FileProblem::Invalid);
    }
    DemoAccount::new(
        file.username.clone(),
        file.display_name.clone(),
        SecretString::new(file.password.clone()),
        SecretString::new(file.totp_secret.clone()),
    )
    .map(Some)
    .map_err(|_| FileProblem::Invalid)
}

/// Writes the demo agent's credentials (owner-only), replacing any earlier file atomically.
#[cfg(test)]
pub(crate) fn save(data_dir: &Path, account: &DemoAccount) -> std::io::Result<()> {
    save_profile(data_dir, AGENT, account)
}

/// Writes `profile`'s credentials (owner-only), replacing any earlier file atomically.
pub(crate) fn save_profile(
    data_dir: &Path,
    profile: Profile,
    account: &DemoAccount,
) -> std::io::Result<()> {
    let file = AccountFile {
        version: FILE_VERSION,
        username: account.username.clone(),
        display_name: account.display_name.clone(),
        password: account.password.expose().clone(),
        totp_secret: account.totp_secret.expose().clone(),
    };
    let json = zeroize::Zeroizing::new(
        serde_json::to_vec_pretty(&file).map_err(|e| std::io::Error::other(e.to_string()))?,
    );
    let path = profile_path(data_dir, profile);
    let temporary = data_dir.join(format!("{}.tmp", profile.file));
    // A leftover from a crash may have other permissions; start from nothing.
    let _ = std::fs::remove_file(&temporary);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut out = options.open(&temporary)?;
    out.write_all(&json)?;
    out.write_all(b"\n")?;
    out.sync_all()?;
    drop(out);
    std::fs::rename(&temporary, &path)
}

/// Words for generated passwords: common enough to type, none containing the user name,
/// the display name, the organisation or the product name.
const WORDS: &[&str] = &[
    "amber", "anchor", "apple", "arrow", "autumn", "badge", "bamboo", "banjo", "barley", "basket",
    "beacon", "birch", "biscuit", "blossom", "bracket", "breeze", "bridge", "bronze", "bucket",
    "butter", "cactus", "camera", "candle", "canyon", "carpet", "castle", "cedar", "cherry",
    "cinder", "clover", "cobalt", "comet", "copper", "coral", "cotton", "crater", "cricket",
    "crystal", "dolphin", "dragon", "falcon", "feather", "fiddle", "forest", "fossil", "garden",
    "garnet", "ginger", "glacier", "granite", "harbor", "hazel", "helmet", "hollow", "honey",
    "island", "ivory", "jasmine", "jigsaw", "kettle", "lantern", "lemon", "lilac", "linen",
    "lizard", "magnet", "mango", "maple", "marble", "meadow", "mitten", "mosaic", "nectar",
    "nickel", "nutmeg", "oasis", "olive", "orbit", "orchid", "otter", "paddle", "pebble", "pepper",
    "pickle", "pigeon", "pillow", "planet", "pocket", "potato", "puzzle", "quartz", "quill",
    "rabbit", "raven", "ribbon", "river", "rocket", "saddle", "salmon", "sapphire", "shadow",
    "silver", "sparrow", "spruce", "squash", "summit", "tangle", "teapot", "thistle", "thunder",
    "timber", "tulip", "tunnel", "turnip", "velvet", "violet", "walnut", "willow", "window",
    "winter", "wizard", "yellow", "zephyr", "zipper",
];

/// Generated passwords tried at most before giving up (one almost always passes).
const PASSWORD_ATTEMPTS: usize = 32;

/// A random, typeable password that passes the hub's default policy for the demo agent
/// (`word-word-word-word-NN`). If, against all odds, none passes, the last one is returned and
/// the hub's refusal reports it.
pub(crate) fn generate_password(profile: Profile) -> SecretString {
    let policy = PasswordPolicy::default();
    let context = PasswordContext {
        username: profile.username.to_owned(),
        display_name: profile.display_name.to_owned(),
        email: String::new(),
        organisation: ORGANISATION.to_owned(),
    };
    let mut rng = rand::rng();
    let mut candidate = SecretString::default();
    for _ in 0..PASSWORD_ATTEMPTS {
        let mut text = String::with_capacity(48);
        for _ in 0..4 {
            let word = WORDS[rng.random_range(0..WORDS.len())];
            text.push_str(word);
            text.push('-');
        }
        text.push_str(&rng.random_range(10..100).to_string());
        candidate = SecretString::new(text);
        if policy.evaluate(&candidate, &context).is_empty() {
            break;
        }
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    fn account() -> DemoAccount {
        DemoAccount::new(
            USERNAME.to_owned(),
            DISPLAY_NAME.to_owned(),
            SecretString::new("maple-river-copper-lantern-42".to_owned()),
            SecretString::new(SECRET.to_owned()),
        )
        .unwrap()
    }

    #[test]
    fn debug_redacts_the_password_and_the_secret() {
        let shown = format!("{:?}", account());
        assert!(shown.contains("demo.agent"), "{shown}");
        assert!(!shown.contains("lantern"), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }

    #[test]
    fn codes_are_six_digits_and_report_the_rest_of_the_step() {
        let account = account();
        let (code, left) = account.code_at(1_700_000_000);
        assert_eq!(code.len(), 6);
        assert!(code.bytes().all(|b| b.is_ascii_digit()));
        // 1_700_000_000 = 56_666_666 × 30 + 20
        assert_eq!(left, 10);
        assert_eq!(
            account.code_at(1_700_000_009).0,
            code,
            "same step, same code"
        );
        assert_eq!(account.code_at(1_700_000_009).1, 1);
        assert_eq!(account.code_at(1_700_000_010).1, 30);
        assert_ne!(
            account.code_at(1_700_000_010).0,
            code,
            "a new step, a new code"
        );
    }

    #[test]
    fn codes_match_the_hubs_totp_engine() {
        let secret = TotpSecret::from_base32(&SecretString::new(SECRET.to_owned())).unwrap();
        let hub_side =
            Totp::new(&secret, TotpConfig::default(), "Rampart (x)", "demo.agent").unwrap();
        let now = 1_700_000_123;
        let (code, _) = account().code_at(now);
        assert!(hub_side.verify(&code, now, None).is_ok());
    }

    #[test]
    fn generated_passwords_pass_the_hub_policy_and_differ() {
        let policy = PasswordPolicy::default();
        let context = PasswordContext {
            username: USERNAME.to_owned(),
            display_name: DISPLAY_NAME.to_owned(),
            email: String::new(),
            organisation: ORGANISATION.to_owned(),
        };
        let mut seen = std::collections::HashSet::new();
        for _ in 0..40 {
            let password = generate_password(AGENT);
            let rejections = policy.evaluate(&password, &context);
            assert!(rejections.is_empty(), "{rejections:?}");
            assert!(seen.insert(password.expose().clone()));
        }
    }

    #[test]
    fn no_word_holds_context_or_product_names() {
        for word in WORDS {
            for banned in ["demo", "agent", "alex", "rampart"] {
                assert!(!word.contains(banned), "{word}");
            }
        }
    }

    #[test]
    fn the_file_round_trips_with_owner_only_permissions() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &account()).unwrap();
        let loaded = load(dir.path()).unwrap().unwrap();
        assert_eq!(loaded.password().expose(), "maple-river-copper-lantern-42");
        assert_eq!(loaded.totp_secret().expose(), SECRET);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(account_path(dir.path()))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_file_is_none_and_bad_files_are_problems_not_panics() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(load(dir.path()), Ok(None)));
        let write = |text: &str| std::fs::write(account_path(dir.path()), text).unwrap();
        write("{not json");
        assert_eq!(load(dir.path()).err(), Some(FileProblem::Corrupt));
        write("");
        assert_eq!(load(dir.path()).err(), Some(FileProblem::Corrupt));
        write(
            r#"{"version":2,"username":"demo.agent","displayName":"x","password":"p","totpSecret":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}"#,
        );
        assert_eq!(load(dir.path()).err(), Some(FileProblem::UnknownVersion));
        write(
            r#"{"version":1,"username":"demo.agent","displayName":"x","password":"p","totpSecret":"not base32!"}"#,
        );
        assert_eq!(load(dir.path()).err(), Some(FileProblem::Invalid));
        write(
            r#"{"version":1,"username":"someone","displayName":"x","password":"p","totpSecret":"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"}"#,
        );
        assert_eq!(load(dir.path()).err(), Some(FileProblem::Invalid));
    }
}
