//! Rampart Console's Tauri shell.
//!
//! Deliberately thin: it builds the window, installs logging, and adapts each IPC command onto a
//! function in `rampart-console-core`. Logic added here is a review finding.

use std::sync::Arc;

use rampart_console_core::console::view::{
    ConsoleEvent, ConsoleState, DemoCode, FormView, MessageView, RevealedValue, SearchResult,
    SendOutcome, SignInStep, SignedIn, Snapshot,
};
use rampart_console_core::console::{Console, ConsoleConfig, EventSink, UnlockWith};
use rampart_console_core::{AppInfo, BuildKind, IpcError, IpcErrorCode, UiErrorReport};
use rampart_protocol::ids::{CohortId, DrillRunId, LiveSessionId};
use rampart_protocol::rest::{RevealReason, TransferTarget};
use rampart_protocol::training::{
    AssignmentRequest, Certificate, Cohort, CohortRequest, Dashboard, DrillAction, DrillStart,
    DrillTurn, LessonView, LiveAnswer, LiveControl, LiveSession, LiveStart, PackFile, PackSummary,
    QuizResult, QuizSubmission, Trainee, TrainingLanguage, TrainingOverview,
};
use rampart_protocol::{AgentId, Availability, ConversationId, FormId, FormKind, MessageId};
use rampart_secret::SecretString;
use tauri::ipc::Channel;
use tauri::{Manager, State};

/// The kind of this build, decided at compile time of the shell.
const BUILD_KIND: BuildKind = if cfg!(debug_assertions) {
    BuildKind::Debug
} else {
    BuildKind::Release
};

/// Delivers console events to the UI over the channel it subscribed with, and shows desktop
/// notifications (already masked by the core) while the window is not focused.
struct ChannelSink {
    channel: Channel<Vec<ConsoleEvent>>,
    app: tauri::AppHandle,
}

impl EventSink for ChannelSink {
    fn emit(&self, event: ConsoleEvent) {
        self.emit_batch(vec![event]);
    }

    fn emit_batch(&self, events: Vec<ConsoleEvent>) {
        if let Err(error) = self.channel.send(events) {
            tracing::debug!(%error, "the UI stopped listening");
        }
    }

    fn notify(&self, title: &str, body: &str) {
        use tauri_plugin_notification::NotificationExt;
        let focused = self
            .app
            .get_webview_window("main")
            .and_then(|w| w.is_focused().ok())
            .unwrap_or(false);
        if focused {
            return;
        }
        if let Err(error) = self
            .app
            .notification()
            .builder()
            .title(title)
            .body(body)
            .show()
        {
            tracing::debug!(%error, "desktop notification not shown");
        }
    }
}

mod commands {
    use super::*;

    type Result<T> = std::result::Result<T, IpcError>;

    #[tauri::command]
    pub fn app_info() -> AppInfo {
        rampart_console_core::app_info(BUILD_KIND)
    }

    #[tauri::command]
    pub fn report_ui_error(report: UiErrorReport) {
        rampart_console_core::report_ui_error(report);
    }

    #[tauri::command]
    pub async fn console_state(console: State<'_, Console>) -> Result<ConsoleState> {
        console.state().await
    }

    #[tauri::command]
    pub async fn start_demo(console: State<'_, Console>) -> Result<ConsoleState> {
        console.start_demo().await
    }

    #[tauri::command]
    pub fn demo_code(console: State<'_, Console>) -> Result<DemoCode> {
        console.demo_code()
    }

    #[tauri::command]
    pub async fn set_hub(console: State<'_, Console>, url: String) -> Result<ConsoleState> {
        console.set_hub(&url).await
    }

    #[tauri::command]
    pub async fn sign_in(
        console: State<'_, Console>,
        username: String,
        password: SecretString,
    ) -> Result<SignInStep> {
        console.sign_in(&username, password).await
    }

    #[tauri::command]
    pub async fn verify_code(console: State<'_, Console>, code: SecretString) -> Result<SignedIn> {
        console.verify_code(code).await
    }

    #[tauri::command]
    pub async fn sign_out(console: State<'_, Console>) -> Result<ConsoleState> {
        console.sign_out().await
    }

    /// Async so that it runs on the runtime that delivers the batches.
    #[tauri::command]
    pub async fn subscribe_events(
        app: tauri::AppHandle,
        console: State<'_, Console>,
        channel: Channel<Vec<ConsoleEvent>>,
    ) -> Result<()> {
        console.subscribe(Arc::new(ChannelSink { channel, app }));
        Ok(())
    }

    #[tauri::command]
    pub async fn search_messages(
        console: State<'_, Console>,
        query: String,
    ) -> Result<Vec<SearchResult>> {
        console.search(&query).await
    }

    #[tauri::command]
    pub fn open_link(app: tauri::AppHandle, url: String) -> Result<()> {
        use tauri_plugin_opener::OpenerExt;
        let (url, _) = rampart_console_core::hardening::external_link(&url).ok_or_else(|| {
            IpcError::new(IpcErrorCode::InvalidInput, "only https links can be opened")
        })?;
        app.opener()
            .open_url(url, None::<&str>)
            .map_err(|_| IpcError::new(IpcErrorCode::Internal, "the browser could not be opened"))
    }

    #[tauri::command]
    pub async fn transfer_targets(console: State<'_, Console>) -> Result<Vec<TransferTarget>> {
        console.transfer_targets().await
    }

    #[tauri::command]
    pub async fn transfer_conversation(
        console: State<'_, Console>,
        conversation: ConversationId,
        to: AgentId,
    ) -> Result<()> {
        console.transfer(conversation, to).await
    }

    #[tauri::command]
    pub async fn set_locale(console: State<'_, Console>, locale: String) -> Result<()> {
        console.set_locale(&locale).await
    }

    #[tauri::command]
    pub async fn snapshot(console: State<'_, Console>) -> Result<Snapshot> {
        console.snapshot().await
    }

    /// The last `limit` messages, or with `before` the `limit` messages just above that one.
    #[tauri::command]
    pub async fn conversation_messages(
        console: State<'_, Console>,
        conversation: ConversationId,
        limit: usize,
        before: Option<MessageId>,
    ) -> Result<Vec<MessageView>> {
        match before {
            Some(before) => console.messages_before(conversation, before, limit).await,
            None => console.messages(conversation, limit).await,
        }
    }

    #[tauri::command]
    pub async fn focus_conversation(
        console: State<'_, Console>,
        conversation: Option<ConversationId>,
    ) -> Result<()> {
        console.focus(conversation).await
    }

    #[tauri::command]
    pub async fn accept_conversation(
        console: State<'_, Console>,
        conversation: ConversationId,
    ) -> Result<()> {
        console.accept(conversation).await
    }

    #[tauri::command]
    pub async fn close_conversation(
        console: State<'_, Console>,
        conversation: ConversationId,
    ) -> Result<()> {
        console.close(conversation).await
    }

    #[tauri::command]
    pub async fn set_availability(
        console: State<'_, Console>,
        availability: Availability,
    ) -> Result<()> {
        console.set_availability(availability).await
    }

    #[tauri::command]
    pub async fn send_message(
        console: State<'_, Console>,
        conversation: ConversationId,
        text: String,
        confirmed: bool,
    ) -> Result<SendOutcome> {
        console.send(conversation, &text, confirmed).await
    }

    #[tauri::command]
    pub fn note_activity(console: State<'_, Console>) {
        console.note_activity();
    }

    #[tauri::command]
    pub async fn lock_console(console: State<'_, Console>) -> Result<ConsoleState> {
        console.lock().await
    }

    #[tauri::command]
    pub async fn reveal_value(
        console: State<'_, Console>,
        conversation: ConversationId,
        message: MessageId,
        span: u32,
        reason: RevealReason,
        note: Option<String>,
    ) -> Result<RevealedValue> {
        console
            .reveal(conversation, message, span, reason, note)
            .await
    }

    #[tauri::command]
    pub async fn request_form(
        console: State<'_, Console>,
        conversation: ConversationId,
        form: FormKind,
    ) -> Result<()> {
        console.request_form(conversation, form).await
    }

    #[tauri::command]
    pub async fn conversation_forms(
        console: State<'_, Console>,
        conversation: ConversationId,
    ) -> Result<Vec<FormView>> {
        console.forms(conversation).await
    }

    #[tauri::command]
    pub async fn reveal_form_field(
        console: State<'_, Console>,
        conversation: ConversationId,
        form: FormId,
        field: String,
        reason: RevealReason,
        note: Option<String>,
    ) -> Result<RevealedValue> {
        console
            .reveal_form_field(conversation, form, field, reason, note)
            .await
    }

    #[tauri::command]
    pub fn check_password(
        console: State<'_, Console>,
        username: String,
        password: SecretString,
    ) -> Vec<serde_json::Value> {
        console.check_password(&username, &password)
    }

    #[tauri::command]
    pub async fn enroll(
        console: State<'_, Console>,
        username: String,
        code: SecretString,
        password: SecretString,
    ) -> Result<()> {
        console.enroll(&username, code, password).await
    }

    #[tauri::command]
    pub async fn unlock_console(
        console: State<'_, Console>,
        password: SecretString,
    ) -> Result<ConsoleState> {
        console.unlock(UnlockWith::Password(password)).await
    }

    #[tauri::command]
    pub async fn copy_revealed(console: State<'_, Console>, value: SecretString) -> Result<()> {
        console.copy_revealed(value).await
    }

    #[tauri::command]
    pub async fn unlock_with_code(
        console: State<'_, Console>,
        code: SecretString,
    ) -> Result<ConsoleState> {
        console.unlock(UnlockWith::Code(code)).await
    }

    // ---- training (the hub scores, gates and checks roles; see console-core's training) ----

    #[tauri::command]
    pub async fn training_overview(
        console: State<'_, Console>,
        language: Option<TrainingLanguage>,
    ) -> Result<TrainingOverview> {
        console.training_overview(language).await
    }

    #[tauri::command]
    pub async fn training_lesson(
        console: State<'_, Console>,
        pack_id: String,
        lesson_id: String,
        language: TrainingLanguage,
        preview: bool,
    ) -> Result<LessonView> {
        console
            .training_lesson(&pack_id, &lesson_id, language, preview)
            .await
    }

    #[tauri::command]
    pub async fn training_submit_quiz(
        console: State<'_, Console>,
        pack_id: String,
        lesson_id: String,
        submission: QuizSubmission,
    ) -> Result<QuizResult> {
        console
            .training_submit_quiz(&pack_id, &lesson_id, submission)
            .await
    }

    #[tauri::command]
    pub async fn training_start_drill(
        console: State<'_, Console>,
        start: DrillStart,
    ) -> Result<DrillTurn> {
        console.training_start_drill(start).await
    }

    #[tauri::command]
    pub async fn training_drill_act(
        console: State<'_, Console>,
        run_id: DrillRunId,
        action: DrillAction,
    ) -> Result<DrillTurn> {
        console.training_drill_act(run_id, action).await
    }

    #[tauri::command]
    pub async fn training_certificates(console: State<'_, Console>) -> Result<Vec<Certificate>> {
        console.training_certificates().await
    }

    #[tauri::command]
    pub async fn training_live_join(
        console: State<'_, Console>,
        code: String,
    ) -> Result<LiveSession> {
        console.training_live_join(&code).await
    }

    #[tauri::command]
    pub async fn training_live_answer(
        console: State<'_, Console>,
        session: LiveSessionId,
        answer: LiveAnswer,
    ) -> Result<LiveSession> {
        console.training_live_answer(session, answer).await
    }

    #[tauri::command]
    pub async fn training_live_session(
        console: State<'_, Console>,
        session: LiveSessionId,
    ) -> Result<LiveSession> {
        console.training_live_session(session).await
    }

    #[tauri::command]
    pub async fn trainer_packs(console: State<'_, Console>) -> Result<Vec<PackSummary>> {
        console.trainer_packs().await
    }

    #[tauri::command]
    pub async fn trainer_import_pack(
        console: State<'_, Console>,
        files: Vec<PackFile>,
    ) -> Result<PackSummary> {
        console.trainer_import_pack(files).await
    }

    #[tauri::command]
    pub async fn trainer_trainees(console: State<'_, Console>) -> Result<Vec<Trainee>> {
        console.trainer_trainees().await
    }

    #[tauri::command]
    pub async fn trainer_cohorts(console: State<'_, Console>) -> Result<Vec<Cohort>> {
        console.trainer_cohorts().await
    }

    #[tauri::command]
    pub async fn trainer_save_cohort(
        console: State<'_, Console>,
        id: Option<CohortId>,
        request: CohortRequest,
    ) -> Result<Cohort> {
        console.trainer_save_cohort(id, request).await
    }

    #[tauri::command]
    pub async fn trainer_assign(
        console: State<'_, Console>,
        cohort: CohortId,
        request: AssignmentRequest,
    ) -> Result<Cohort> {
        console.trainer_assign(cohort, request).await
    }

    #[tauri::command]
    pub async fn trainer_dashboard(
        console: State<'_, Console>,
        cohort: Option<CohortId>,
    ) -> Result<Dashboard> {
        console.trainer_dashboard(cohort).await
    }

    #[tauri::command]
    pub async fn trainer_export_csv(
        console: State<'_, Console>,
        cohort: Option<CohortId>,
    ) -> Result<String> {
        console.trainer_export_csv(cohort).await
    }

    #[tauri::command]
    pub async fn trainer_live_start(
        console: State<'_, Console>,
        start: LiveStart,
    ) -> Result<LiveSession> {
        console.trainer_live_start(start).await
    }

    #[tauri::command]
    pub async fn trainer_live_control(
        console: State<'_, Console>,
        session: LiveSessionId,
        control: LiveControl,
    ) -> Result<LiveSession> {
        console.trainer_live_control(session, control).await
    }
}

/// Where the user's data lives (before the app exists to ask): `XDG_DATA_HOME` or `HOME`.
fn data_home() -> String {
    std::env::var("XDG_DATA_HOME")
        .or_else(|_| std::env::var("HOME"))
        .unwrap_or_default()
}

/// WebKitGTK settings for a window that shows only the console's own pages. Software rendering:
/// the console is text and a few icons, and GPU compositing costs about 100 MB per web process
/// (and where there is no GPU, llvmpipe's slow frames) for nothing it needs. The document-viewer
/// cache model keeps no memory caches for pages it will never revisit. No WebGL, media or page
/// cache: the console uses none, and each is attack surface.
#[cfg(target_os = "linux")]
fn tune_webkit(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    window.with_webview(|webview| {
        use webkit2gtk::{
            CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
        };
        let view = webview.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            settings.set_enable_webgl(false);
            settings.set_enable_media(false);
            settings.set_enable_page_cache(false);
        }
        if let Some(context) = view.context() {
            context.set_cache_model(CacheModel::DocumentViewer);
        }
    })
}

/// Builds and runs the console. Returns when the last window closes.
pub fn run() {
    // The window shows the app's own pages only; anything else is refused before it loads.
    let navigation_guard = tauri::plugin::Builder::<tauri::Wry>::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = rampart_console_core::hardening::navigation_allowed(
                url.as_str(),
                cfg!(debug_assertions),
            );
            if !allowed {
                tracing::warn!(
                    scheme = url.scheme(),
                    "navigation away from the app refused"
                );
            }
            allowed
        })
        .build();
    let app = tauri::Builder::default()
        // First: a second launch over the same data hands over to the running console.
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(BUILD_KIND.instance_name(&data_home()))
                .callback(|app, _, _| {
                    if let Some(window) = app.get_webview_window("main") {
                        let _ = window.unminimize();
                        let _ = window.set_focus();
                    }
                })
                .build(),
        )
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(navigation_guard)
        .setup(|app| {
            // Dev and release builds must never share data directories or WebView storage.
            BUILD_KIND.check_identifier(&app.config().identifier)?;
            let log_dir = app.path().app_log_dir()?;
            let guard = rampart_console_core::logging::init(&log_dir, cfg!(debug_assertions))?;
            // The guard flushes the background log writer when the app state drops it.
            app.manage(guard);
            let config =
                ConsoleConfig::from_env(app.path().app_data_dir()?, app.path().app_config_dir()?);
            app.manage(Console::new(config));
            if BUILD_KIND == BuildKind::Release
                && let Err(error) = rampart_console_core::hardening::deny_core_dumps()
            {
                tracing::warn!(%error, "could not disable core dumps");
            }
            #[cfg(target_os = "linux")]
            if let Some(window) = app.get_webview_window("main") {
                tune_webkit(&window)?;
            }
            tracing::info!(build = ?BUILD_KIND, "console started");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::report_ui_error,
            commands::console_state,
            commands::start_demo,
            commands::demo_code,
            commands::set_hub,
            commands::sign_in,
            commands::verify_code,
            commands::sign_out,
            commands::subscribe_events,
            commands::snapshot,
            commands::conversation_messages,
            commands::focus_conversation,
            commands::accept_conversation,
            commands::close_conversation,
            commands::set_availability,
            commands::send_message,
            commands::note_activity,
            commands::lock_console,
            commands::unlock_console,
            commands::unlock_with_code,
            commands::copy_revealed,
            commands::reveal_value,
            commands::request_form,
            commands::conversation_forms,
            commands::reveal_form_field,
            commands::check_password,
            commands::enroll,
            commands::set_locale,
            commands::search_messages,
            commands::open_link,
            commands::transfer_targets,
            commands::transfer_conversation,
            commands::training_overview,
            commands::training_lesson,
            commands::training_submit_quiz,
            commands::training_start_drill,
            commands::training_drill_act,
            commands::training_certificates,
            commands::training_live_join,
            commands::training_live_answer,
            commands::training_live_session,
            commands::trainer_packs,
            commands::trainer_import_pack,
            commands::trainer_trainees,
            commands::trainer_cohorts,
            commands::trainer_save_cohort,
            commands::trainer_assign,
            commands::trainer_dashboard,
            commands::trainer_export_csv,
            commands::trainer_live_start,
            commands::trainer_live_control,
        ])
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event {
                // Sign out (revoking the hub session and closing the cache) and stop the demo.
                let console = handle.state::<Console>().inner().clone();
                tauri::async_runtime::block_on(console.shutdown());
            }
        }),
        Err(error) => {
            eprintln!("Rampart Console could not start: {error}");
            std::process::exit(1);
        }
    }
}
