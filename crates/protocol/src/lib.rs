//! `rampart-protocol`: the versioned wire types shared by Rampart Hub, Rampart Console and the
//! tests. JSON over WebSocket for live traffic ([`frames`]), JSON over HTTPS for login and admin
//! ([`rest`]).
//!
//! Invariants:
//! - Every chat message carries a client-generated [`MessageId`] (UUIDv7); the hub assigns a
//!   per-conversation [`Seq`]. Same id → same seq, stored once.
//! - Decoding never panics and never trusts size: frames over [`MAX_FRAME_BYTES`] are refused
//!   before parsing; unknown types and malformed frames map to an [`ErrorCode`] the peer can act
//!   on ([`codec`]). Error details never echo the frame's content.
//! - Wire names are camelCase; TypeScript bindings are generated from these types
//!   ([`typescript_bindings`]).

pub mod codec;
pub mod forms;
pub mod frames;
pub mod ids;
pub mod rest;
pub mod training;

pub use codec::{FrameError, decode_client, decode_server, encode};
pub use forms::{CustomField, CustomForm, FieldCheck, FieldMask, Localized};
pub use frames::{
    Author, Availability, ClientFrame, ErrorCode, ForgetPosition, FormKind, FormValue, MaskedField,
    MaskedSpan, QueueEntry, ResumePoint, ServerFrame,
};
pub use ids::{
    AgentId, CohortId, ConversationId, DrillRunId, EpochId, FormId, LiveSessionId, MessageId,
    OrgId, Seq, VisitorId,
};

/// Version of the live protocol. A hub refuses a `hello` with another major version.
pub const PROTOCOL_VERSION: u16 = 1;

/// Largest WebSocket frame either side accepts, in bytes.
pub const MAX_FRAME_BYTES: usize = 64 * 1024;

/// Longest chat message, in Unicode scalar values.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// Renders TypeScript declarations for every wire type, in a stable order.
pub fn typescript_bindings() -> String {
    use ts_rs::TS;
    // JSON numbers are JavaScript numbers; every i64/u64 on the wire (Unix ms, counts) stays
    // below 2^53.
    let cfg = ts_rs::Config::new().with_large_int("number");
    let decls = [
        ids::MessageId::decl(&cfg),
        ids::ConversationId::decl(&cfg),
        ids::AgentId::decl(&cfg),
        ids::VisitorId::decl(&cfg),
        ids::OrgId::decl(&cfg),
        ids::Seq::decl(&cfg),
        frames::Availability::decl(&cfg),
        frames::Author::decl(&cfg),
        frames::MaskedSpan::decl(&cfg),
        frames::ResumePoint::decl(&cfg),
        ids::EpochId::decl(&cfg),
        frames::ForgetPosition::decl(&cfg),
        frames::QueueEntry::decl(&cfg),
        ids::FormId::decl(&cfg),
        forms::Localized::decl(&cfg),
        forms::FieldCheck::decl(&cfg),
        forms::FieldMask::decl(&cfg),
        forms::CustomField::decl(&cfg),
        forms::CustomForm::decl(&cfg),
        frames::FormKind::decl(&cfg),
        frames::FormValue::decl(&cfg),
        frames::MaskedField::decl(&cfg),
        frames::ErrorCode::decl(&cfg),
        ids::CohortId::decl(&cfg),
        ids::LiveSessionId::decl(&cfg),
        ids::DrillRunId::decl(&cfg),
        training::TrainingLanguage::decl(&cfg),
        training::StandingState::decl(&cfg),
        training::LessonSummary::decl(&cfg),
        training::LessonRef::decl(&cfg),
        training::TrainingGate::decl(&cfg),
        training::TrainingOverview::decl(&cfg),
        training::QuestionKind::decl(&cfg),
        training::QuizAnswer::decl(&cfg),
        training::QuestionView::decl(&cfg),
        training::DrillBrief::decl(&cfg),
        training::BlockView::decl(&cfg),
        training::SectionView::decl(&cfg),
        training::LessonView::decl(&cfg),
        training::QuizSubmission::decl(&cfg),
        training::QuestionMark::decl(&cfg),
        training::QuizResult::decl(&cfg),
        training::DrillStart::decl(&cfg),
        training::DrillAction::decl(&cfg),
        training::DrillAct::decl(&cfg),
        training::DrillMistake::decl(&cfg),
        training::DrillResult::decl(&cfg),
        training::DrillTurn::decl(&cfg),
        training::Certificate::decl(&cfg),
        training::PackFile::decl(&cfg),
        training::PackUpload::decl(&cfg),
        training::PackSummary::decl(&cfg),
        training::Trainee::decl(&cfg),
        training::Assignment::decl(&cfg),
        training::Cohort::decl(&cfg),
        training::CohortRequest::decl(&cfg),
        training::AssignmentRequest::decl(&cfg),
        training::DashboardCell::decl(&cfg),
        training::DashboardRow::decl(&cfg),
        training::Dashboard::decl(&cfg),
        training::LiveStart::decl(&cfg),
        training::LiveJoin::decl(&cfg),
        training::LiveControl::decl(&cfg),
        training::LiveAnswer::decl(&cfg),
        training::LiveParticipant::decl(&cfg),
        training::LiveQuestion::decl(&cfg),
        training::LiveSession::decl(&cfg),
        frames::ClientFrame::decl(&cfg),
        frames::ServerFrame::decl(&cfg),
        rest::Role::decl(&cfg),
        rest::SensitiveReplies::decl(&cfg),
        rest::AgentProfile::decl(&cfg),
        rest::LoginRequest::decl(&cfg),
        rest::EnrollRequest::decl(&cfg),
        rest::NewVisitorRequest::decl(&cfg),
        rest::VisitorSession::decl(&cfg),
        rest::PrivacyNotice::decl(&cfg),
        rest::LoginStep::decl(&cfg),
        rest::TotpRequest::decl(&cfg),
        rest::SessionGranted::decl(&cfg),
        rest::TransferTarget::decl(&cfg),
        rest::RevealReason::decl(&cfg),
        rest::RevealRequest::decl(&cfg),
        rest::FormRevealRequest::decl(&cfg),
        rest::Revealed::decl(&cfg),
        rest::ApiErrorCode::decl(&cfg),
        rest::ApiError::decl(&cfg),
    ];
    let mut out =
        String::from("// Generated from crates/protocol by `make bindings`. Do not edit.\n\n");
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\nexport const MAX_FRAME_BYTES = {MAX_FRAME_BYTES};\nexport const MAX_TEXT_CHARS = {MAX_TEXT_CHARS};\n"
    ));
    out
}
