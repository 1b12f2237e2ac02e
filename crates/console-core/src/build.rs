//! Build kinds. Dev (debug) and release builds use different app identifiers, data directories
//! and keychain namespaces, so a developer's build can never read or overwrite an agent's data.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The product's display name.
pub const PRODUCT_NAME: &str = "Rampart Console";
/// Bundle identifier of release builds (also the data directory name).
pub const RELEASE_IDENTIFIER: &str = "com.rampart.console";
/// Bundle identifier of dev builds (also the data directory name).
pub const DEV_IDENTIFIER: &str = "com.rampart.console.dev";

/// Which kind of build is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum BuildKind {
    /// A debug build: devtools allowed, dev identifiers.
    Debug,
    /// A release build: hardened, release identifiers.
    Release,
}

impl BuildKind {
    /// The kind of the code that calls this (decided at compile time of the caller's crate is
    /// not possible from a library, so the shell passes `cfg!(debug_assertions)`).
    pub fn from_debug_assertions(debug: bool) -> Self {
        if debug { Self::Debug } else { Self::Release }
    }

    /// The app identifier for this kind.
    pub fn identifier(self) -> &'static str {
        match self {
            Self::Debug => DEV_IDENTIFIER,
            Self::Release => RELEASE_IDENTIFIER,
        }
    }

    /// Refuses an app identifier that does not belong to this kind of build, so a dev build can
    /// never open a release install's data directories (or the other way round).
    pub fn check_identifier(self, identifier: &str) -> Result<(), String> {
        if identifier == self.identifier() {
            Ok(())
        } else {
            Err(format!(
                "this {self:?} build carries identifier {identifier}, expected {}",
                self.identifier()
            ))
        }
    }

    /// The name that keeps one console per user data directory (Linux registers it on the
    /// session bus): the identifier plus a hash of the data home, so consoles of different
    /// users' homes (or of isolated test homes) never block each other, while a second launch
    /// over the same data (and cache) hands over to the first.
    pub fn instance_name(self, data_home: &str) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for b in data_home.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{}.h{hash:016x}", self.identifier())
    }

    /// The keychain service namespace for this kind.
    pub fn keychain_namespace(self) -> &'static str {
        match self {
            Self::Debug => "rampart-console-dev",
            Self::Release => "rampart-console",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_names_differ_per_data_home_and_build_and_are_bus_names() {
        let a = BuildKind::Debug.instance_name("/home/ana/.local/share");
        let b = BuildKind::Debug.instance_name("/home/bea/.local/share");
        let c = BuildKind::Release.instance_name("/home/ana/.local/share");
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, BuildKind::Debug.instance_name("/home/ana/.local/share"));
        assert!(a.starts_with("com.rampart.console.dev.h"));
        // Every element of a D-Bus name starts with a letter and holds [A-Za-z0-9_-].
        for element in a.split('.') {
            assert!(
                element.starts_with(|c: char| c.is_ascii_alphabetic()),
                "{a}"
            );
            assert!(
                element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_'),
                "{a}"
            );
        }
    }

    #[test]
    fn each_build_kind_accepts_only_its_own_identifier() {
        assert!(BuildKind::Debug.check_identifier(DEV_IDENTIFIER).is_ok());
        assert!(
            BuildKind::Release
                .check_identifier(RELEASE_IDENTIFIER)
                .is_ok()
        );
        assert!(
            BuildKind::Debug
                .check_identifier(RELEASE_IDENTIFIER)
                .is_err()
        );
        assert!(BuildKind::Release.check_identifier(DEV_IDENTIFIER).is_err());
    }
}
