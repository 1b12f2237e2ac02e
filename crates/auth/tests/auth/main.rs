//! Integration tests for `rampart-auth`: one binary, one module per concern.

mod support;

mod debug_redaction;
mod lockout;
mod never_panics;
mod password_policy;
mod session;
mod totp;
