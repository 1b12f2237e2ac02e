//! Locks the console when the operating system locks the screen or goes to sleep, where that
//! can be observed: on Linux, the session bus's `ActiveChanged(true)` from the screen saver
//! (`org.freedesktop.ScreenSaver`, `org.gnome.ScreenSaver`) and the system bus's
//! `PrepareForSleep(true)` from logind. Elsewhere, and when a bus is missing, only the idle
//! timer applies (the log says so once).

use super::Console;

/// Watches until the session `generation` ends.
#[cfg(target_os = "linux")]
pub(super) async fn watch(console: Console, generation: u64) {
    use futures_util::StreamExt;
    use zbus::message::Type;
    use zbus::{Connection, MatchRule, MessageStream};

    async fn stream(
        connection: zbus::Result<Connection>,
        interface: &'static str,
        member: &'static str,
    ) -> Option<MessageStream> {
        let connection = connection.ok()?;
        let rule = MatchRule::builder()
            .msg_type(Type::Signal)
            .interface(interface)
            .ok()?
            .member(member)
            .ok()?
            .build();
        MessageStream::for_match_rule(rule, &connection, Some(16))
            .await
            .ok()
    }

    let sources = [
        stream(
            Connection::session().await,
            "org.freedesktop.ScreenSaver",
            "ActiveChanged",
        )
        .await,
        stream(
            Connection::session().await,
            "org.gnome.ScreenSaver",
            "ActiveChanged",
        )
        .await,
        stream(
            Connection::system().await,
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
        )
        .await,
    ];
    let streams: Vec<MessageStream> = sources.into_iter().flatten().collect();
    if streams.is_empty() {
        tracing::info!("no D-Bus: the console locks on idle time only");
        return;
    }
    let mut signals = futures_util::stream::select_all(streams);
    while let Some(message) = signals.next().await {
        let Ok(message) = message else { continue };
        // Each of these signals carries one boolean: locked / about to sleep.
        if message.body().deserialize::<bool>().unwrap_or(false) {
            console.os_lock(generation).await;
        }
        if !console.is_current(generation) {
            return;
        }
    }
}

/// No observable OS lock here: the idle timer alone applies.
#[cfg(not(target_os = "linux"))]
pub(super) async fn watch(_console: Console, _generation: u64) {}
