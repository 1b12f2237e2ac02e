//! Decoding and encoding of live frames, with limits checked before any parsing.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::frames::{ClientFrame, ErrorCode, ServerFrame};
use crate::{MAX_FRAME_BYTES, MAX_TEXT_CHARS};

/// Why a frame could not be decoded. `message` is fixed text or names a known frame type; it
/// never contains the frame's content, so it is safe to log and to send back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct FrameError {
    /// What the peer did wrong.
    pub code: ErrorCode,
    /// A safe description.
    pub message: Cow<'static, str>,
}

impl FrameError {
    fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// The error frame that answers the refused frame.
    pub fn to_frame(&self) -> ServerFrame {
        ServerFrame::Error {
            code: self.code,
            message: self.message.to_string(),
            id: None,
        }
    }
}

/// `type` values of [`ClientFrame`]. A test keeps this in sync with the enum.
pub const CLIENT_FRAME_TYPES: &[&str] = &[
    "hello",
    "send",
    "typing",
    "accept",
    "transfer",
    "close",
    "setAvailability",
    "ping",
    "requestForm",
    "submitForm",
];

/// `type` values of [`ServerFrame`]. A test keeps this in sync with the enum.
pub const SERVER_FRAME_TYPES: &[&str] = &[
    "welcome",
    "ack",
    "message",
    "typing",
    "queue",
    "assigned",
    "agentJoined",
    "closed",
    "sessionRevoked",
    "wipeDevice",
    "forget",
    "error",
    "pong",
    "formRequested",
    "formSubmitted",
    "trainingGate",
    "liveTraining",
];

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(rename = "type", borrow)]
    frame_type: Option<Cow<'a, str>>,
}

/// Checks size, UTF-8, JSON shape and `type` before the full parse, so each failure gets its own
/// code. Returns the text and the (known) type name.
fn probe<'a>(
    bytes: &'a [u8],
    known: &[&'static str],
) -> Result<(&'a str, &'static str), FrameError> {
    if bytes.len() > MAX_FRAME_BYTES {
        return Err(FrameError::new(
            ErrorCode::FrameTooLarge,
            format!("frame exceeds {MAX_FRAME_BYTES} bytes"),
        ));
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| FrameError::new(ErrorCode::InvalidUtf8, "frame is not valid UTF-8"))?;
    let probe: Probe<'_> = serde_json::from_str(text)
        .map_err(|_| FrameError::new(ErrorCode::Malformed, "frame is not a JSON object"))?;
    let frame_type = probe
        .frame_type
        .ok_or_else(|| FrameError::new(ErrorCode::Malformed, "frame has no string \"type\""))?;
    let known_type = known
        .iter()
        .find(|k| **k == frame_type)
        .ok_or_else(|| FrameError::new(ErrorCode::UnknownType, "unknown frame type"))?;
    Ok((text, known_type))
}

/// Decodes a frame a client sent to the hub.
pub fn decode_client(bytes: &[u8]) -> Result<ClientFrame, FrameError> {
    let (text, frame_type) = probe(bytes, CLIENT_FRAME_TYPES)?;
    let frame: ClientFrame = serde_json::from_str(text).map_err(|_| {
        FrameError::new(
            ErrorCode::Malformed,
            format!("invalid fields for \"{frame_type}\""),
        )
    })?;
    if let ClientFrame::Send { text, .. } = &frame {
        check_text(text)?;
    }
    Ok(frame)
}

/// Decodes a frame the hub sent to a client.
pub fn decode_server(bytes: &[u8]) -> Result<ServerFrame, FrameError> {
    let (text, frame_type) = probe(bytes, SERVER_FRAME_TYPES)?;
    serde_json::from_str(text).map_err(|_| {
        FrameError::new(
            ErrorCode::Malformed,
            format!("invalid fields for \"{frame_type}\""),
        )
    })
}

/// Message text must have visible content and at most [`MAX_TEXT_CHARS`] characters.
pub fn check_text(text: &str) -> Result<(), FrameError> {
    if text.trim().is_empty() {
        return Err(FrameError::new(
            ErrorCode::TextInvalid,
            "message text is empty",
        ));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(FrameError::new(
            ErrorCode::TextInvalid,
            format!("message text exceeds {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

/// Encodes any frame as JSON text.
pub fn encode<T: Serialize>(frame: &T) -> String {
    // The frame types contain only strings, numbers, booleans, sequences and string-keyed
    // structs, for which serde_json serialisation cannot fail.
    serde_json::to_string(frame).expect("wire frames always serialise")
}
