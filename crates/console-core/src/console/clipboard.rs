//! The system clipboard, for the one thing the console ever puts there itself: a revealed value
//! the hub's policy lets this agent copy (a card number for the payment terminal, say).
//!
//! What the agent selects and copies from the page goes out masked (the UI's copy handler).
//! A value copied here is marked with the platforms' do-not-record hints, so clipboard
//! managers and cloud clipboards skip it, and the console takes it off the clipboard after
//! [`CLEAR_AFTER`] and when it locks or quits, unless the agent copied something else since.

use std::sync::Mutex;
use std::time::Duration;

use rampart_secret::SecretString;

/// How long a copied value stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(10);

/// Why the clipboard could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClipboardError {
    /// There is no clipboard (no display, or the platform refused).
    #[error("the system clipboard is not available")]
    Unavailable,
}

/// A clipboard the console can put a secret on and take it off again.
pub trait Clipboard: Send + Sync + 'static {
    /// Puts `text` on the clipboard, marked for clipboard managers and history not to keep.
    fn set_secret(&self, text: &SecretString) -> Result<(), ClipboardError>;

    /// Empties the clipboard if it still holds `text` (the agent may have copied something
    /// else since, which is theirs). Returns whether it did.
    fn clear_if_holds(&self, text: &SecretString) -> bool;
}

/// The operating system's clipboard, through `arboard`. The handle is opened on first use and
/// kept: on X11 the process serves the clipboard's content for as long as it owns it.
#[derive(Default)]
pub struct OsClipboard {
    handle: Mutex<Option<arboard::Clipboard>>,
}

impl OsClipboard {
    fn with<T>(&self, f: impl FnOnce(&mut arboard::Clipboard) -> T) -> Option<T> {
        let mut handle = self
            .handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if handle.is_none() {
            *handle = arboard::Clipboard::new().ok();
        }
        handle.as_mut().map(f)
    }
}

impl Clipboard for OsClipboard {
    fn set_secret(&self, text: &SecretString) -> Result<(), ClipboardError> {
        self.with(|clipboard| {
            let set = clipboard.set();
            #[cfg(any(
                target_os = "linux",
                target_os = "freebsd",
                target_os = "openbsd",
                target_os = "netbsd"
            ))]
            let set = {
                use arboard::SetExtLinux;
                set.exclude_from_history()
            };
            #[cfg(target_os = "windows")]
            let set = {
                use arboard::SetExtWindows;
                set.exclude_from_history()
                    .exclude_from_cloud()
                    .exclude_from_monitoring()
            };
            #[cfg(target_os = "macos")]
            let set = {
                use arboard::SetExtApple;
                set.exclude_from_history()
            };
            set.text(text.expose().as_str())
        })
        .ok_or(ClipboardError::Unavailable)?
        .map_err(|_| ClipboardError::Unavailable)
    }

    fn clear_if_holds(&self, text: &SecretString) -> bool {
        self.with(|clipboard| {
            let holds = clipboard
                .get_text()
                .is_ok_and(|held| held == *text.expose());
            holds && clipboard.clear().is_ok()
        })
        .unwrap_or(false)
    }
}

/// A clipboard in memory, for tests: records whether the last value was marked secret.
#[derive(Default)]
pub struct MemoryClipboard {
    held: Mutex<Option<(String, bool)>>,
}

impl MemoryClipboard {
    /// What it holds, and whether it was marked secret.
    pub fn held(&self) -> Option<(String, bool)> {
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Another application copies `text`.
    pub fn copy_elsewhere(&self, text: &str) {
        *self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some((text.to_owned(), false));
    }
}

impl Clipboard for MemoryClipboard {
    fn set_secret(&self, text: &SecretString) -> Result<(), ClipboardError> {
        *self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) =
            Some((text.expose().clone(), true));
        Ok(())
    }

    fn clear_if_holds(&self, text: &SecretString) -> bool {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.as_ref().is_some_and(|(h, _)| h == text.expose()) {
            *held = None;
            true
        } else {
            false
        }
    }
}
