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
