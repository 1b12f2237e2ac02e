//! The printed table, its statistics, and the machine it ran on.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rampart_e2e::console_binary;
use serde_json::Value;

use crate::latency::Latency;
use crate::process::TreeMemory;
use crate::{ColdStart, Options};

pub(crate) struct Stats {
    pub(crate) count: usize,
    pub(crate) median: f64,
    pub(crate) p95: f64,
    pub(crate) max: f64,
}

impl Stats {
    /// Nearest-rank statistics; zeros for no samples.
    pub(crate) fn of(samples: &[f64]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let rank = |p: f64| {
            let index = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
            sorted.get(index - 1).copied().unwrap_or(0.0)
        };
        Self {
            count: sorted.len(),
            median: rank(0.5),
            p95: rank(0.95),
            max: sorted.last().copied().unwrap_or(0.0),
        }
    }
}

/// `/proc/loadavg`'s three averages: how busy the machine was besides this run.
pub(crate) fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The machine, for the record.
pub(crate) fn machine() -> String {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let os = read("/etc/os-release")
        .lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_owned())
        .unwrap_or_default();
    let cpu = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let ram = read("/proc/meminfo")
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        .map_or("?".to_owned(), |kib| {
            format!("{:.0} GB", kib as f64 / 1048576.0)
        });
    let webkit = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "libwebkit2gtk-4.1-0"])
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .unwrap_or_default();
    let display = if std::env::var_os("RAMPART_DESKTOP_READY").is_some() {
        "Xvfb (scripts/with-desktop.sh)"
    } else {
        "an existing display"
    };
    let build = if console_binary()
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|dir| dir == "release")
    {
        "release"
    } else {
        "debug"
    };
    format!(
        "machine: {os}, {cores} cores ({cpu}), {ram} RAM, WebKitGTK {webkit}, {display}, \
         {build} build"
    )
}

#[derive(Default)]
pub(crate) struct Report {
    pub(crate) text: String,
    /// Per-process memory lines, printed under the table.
    pub(crate) breakdown: Vec<String>,
}

impl Report {
    /// The table, then the notes gathered on the way.
    pub(crate) fn finish(mut self) -> String {
        self.note("");
        for line in std::mem::take(&mut self.breakdown) {
            self.note(&line);
        }
        self.text
    }

    pub(crate) fn note(&mut self, line: &str) {
        let _ = writeln!(self.text, "{line}");
    }

    fn row(&mut self, what: &str, result: &str, target: &str, met: Option<bool>) {
        let verdict = match met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "",
        };
        let _ = writeln!(
            self.text,
            "| {what:<62} | {result:<44} | {target:<9} | {verdict:<6} |"
        );
    }

    fn header(&mut self) {
        self.note("");
        self.row("measurement", "result", "target", None);
        let _ = writeln!(
            self.text,
            "|{}|{}|{}|{}|",
            "-".repeat(64),
            "-".repeat(46),
            "-".repeat(11),
            "-".repeat(8)
        );
    }

    pub(crate) fn cold_start(&mut self, runs: &[ColdStart]) {
        self.header();
        let from_process: Vec<f64> = runs.iter().map(|r| r.from_process).collect();
        let s = Stats::of(&from_process);
        let bounds = runs.iter().filter(|r| r.upper_bound).count();
        self.row(
            &format!(
                "cold start → setup screen painted ({} runs{})",
                runs.len(),
                if bounds > 0 {
                    format!(", {bounds} upper bounds")
                } else {
                    String::new()
                }
            ),
            &format!("median {:.0} ms, max {:.0} ms", s.median, s.max),
            "< 1500 ms",
            Some(s.max < 1500.0),
        );
        let navigation = Stats::of(&runs.iter().map(|r| r.to_navigation).collect::<Vec<_>>());
        let dom_ready = Stats::of(
            &runs
                .iter()
                .filter_map(|r| r.to_dom_ready)
                .collect::<Vec<_>>(),
        );
        self.row(
            "  of which: process start → page navigation starts",
            &format!("median {:.0} ms", navigation.median),
            "",
            None,
        );
        self.row(
            "  of which: process start → DOMContentLoaded",
            &format!("median {:.0} ms", dom_ready.median),
            "",
            None,
        );
        let spawn = Stats::of(&runs.iter().map(|r| r.from_spawn).collect::<Vec<_>>());
        self.row(
            "  harness view: tauri-driver spawned → painted",
            &format!("median {:.0} ms, max {:.0} ms", spawn.median, spawn.max),
            "",
            None,
        );
        if let Some(run) = runs.get(runs.len() / 2) {
            self.row(
                "memory at the setup screen (PSS / USS / RSS sum)",
                &run.memory.summary(),
                "",
                None,
            );
        }
    }

    pub(crate) fn memory(
        &mut self,
        idle: &TreeMemory,
        received: &TreeMemory,
        loaded: &TreeMemory,
        later: &[&TreeMemory; 2],
        options: &Options,
    ) {
        let load = format!("{} × {}", options.conversations, options.messages);
        self.row(
            "memory idle, signed in (PSS / USS / RSS sum)",
            &idle.summary(),
            "",
            None,
        );
        self.row(
            &format!("memory, {load} received, none open"),
            &received.summary(),
            "",
            None,
        );
        let met = loaded.pss().unwrap_or_else(|| loaded.rss()) < 250 * 1024;
        self.row(
            &format!("memory, {load} received, all opened"),
            &loaded.summary(),
            "< 250 MB",
            Some(met),
        );
        self.row(
            "memory after the hub-to-paint and scroll runs",
            &later[0].summary(),
            "",
            None,
        );
        self.row(
            "  and after 30 s more of rest",
            &later[1].summary(),
            "",
            None,
        );
        self.breakdown.insert(
            0,
            format!("per process (PSS/RSS), idle: {}", idle.breakdown()),
        );
        self.breakdown.insert(
            1,
            format!("per process (PSS/RSS), loaded: {}", loaded.breakdown()),
        );
    }

    pub(crate) fn load(
        &mut self,
        hub_took: Duration,
        console_took: Duration,
        opening: &[f64],
        scroll: &Value,
        options: &Options,
    ) {
        self.row(
            &format!(
                "load: hub acked {} messages",
                options.conversations * options.messages
            ),
            &format!("{:.1} s", hub_took.as_secs_f64()),
            "",
            None,
        );
        self.row(
            "load: console showed every unread count",
            &format!("{:.1} s", console_took.as_secs_f64()),
            "",
            None,
        );
        let s = Stats::of(opening);
        self.row(
            &format!(
                "open a {}-message conversation (click → painted)",
                options.messages
            ),
            &format!("median {:.0} ms, max {:.0} ms", s.median, s.max),
            "",
            None,
        );
        self.row(
            "scroll that transcript to its first message",
            &format!(
                "{:.0} ms, {} frames, worst {:.0} ms, {} over 50 ms, {} stalls{}",
                scroll["ms"].as_f64().unwrap_or(f64::NAN),
                scroll["frames"].as_u64().unwrap_or(0),
                scroll["worstFrame"].as_f64().unwrap_or(f64::NAN),
                scroll["long"].as_array().map_or(0, Vec::len),
                scroll["nudges"].as_u64().unwrap_or(0),
                if scroll["reached"].as_bool() == Some(true) {
                    ""
                } else {
                    " (not reached)"
                }
            ),
            "",
            None,
        );
    }

    pub(crate) fn latency(&mut self, quiet: &Latency, busy: &Latency, options: &Options) {
        for (label, run) in [
            ("quiet workspace", quiet),
            (
                &*format!("{} × {} loaded", options.conversations, options.messages),
                busy,
            ),
        ] {
            let paint = Stats::of(&run.ack_to_paint);
            self.row(
                &format!("hub → paint, {label} ({} msgs)", paint.count),
                &format!(
                    "med {:.0} / p95 {:.0} / max {:.0} ms",
                    paint.median, paint.p95, paint.max
                ),
                "< 100 ms",
                Some(run.missing == 0 && paint.p95 < 100.0),
            );
            let dom = Stats::of(&run.ack_to_dom);
            self.row(
                "  hub → in the DOM",
                &format!(
                    "med {:.0} / p95 {:.0} / max {:.0} ms",
                    dom.median, dom.p95, dom.max
                ),
                "",
                None,
            );
            let stamp = Stats::of(&run.send_to_paint);
            self.row(
                "  visitor's send → paint (adds the hub's work)",
                &format!(
                    "med {:.0} / p95 {:.0} / max {:.0} ms",
                    stamp.median, stamp.p95, stamp.max
                ),
                "",
                None,
            );
            if run.missing > 0 {
                self.row(
                    "  markers never painted",
                    &run.missing.to_string(),
                    "",
                    None,
                );
            }
        }
    }
}
