//! The app's process tree in `/proc`: which processes, when the app started, their memory.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use rampart_e2e::{Error, console_binary};

use crate::wall_ms;

/// Memory of one process, in KiB.
#[derive(Clone, Copy, Default)]
pub(crate) struct Memory {
    rss: u64,
    pss: Option<u64>,
    /// Pages no other process maps (private clean + dirty).
    uss: Option<u64>,
}

/// Memory of the app's process tree.
#[derive(Clone, Default)]
pub(crate) struct TreeMemory {
    pub(crate) processes: Vec<(String, Memory)>,
}

impl TreeMemory {
    pub(crate) fn sample(app: u32) -> Self {
        let processes = descendants(app)
            .into_iter()
            .filter_map(|pid| Some((process_name(pid), memory(pid)?)))
            .collect();
        Self { processes }
    }

    /// The median (by PSS, else RSS) of three samples a second apart.
    pub(crate) async fn settled(app: u32) -> Self {
        let mut samples = Vec::new();
        for _ in 0..3 {
            samples.push(Self::sample(app));
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        samples.sort_by_key(|s| s.pss().unwrap_or_else(|| s.rss()));
        samples.swap_remove(1)
    }

    pub(crate) fn rss(&self) -> u64 {
        self.processes.iter().map(|(_, m)| m.rss).sum()
    }

    /// The PSS sum, if every process's PSS was readable.
    pub(crate) fn pss(&self) -> Option<u64> {
        self.processes.iter().map(|(_, m)| m.pss).sum()
    }

    /// The USS sum, if every process's was readable.
    pub(crate) fn uss(&self) -> Option<u64> {
        self.processes.iter().map(|(_, m)| m.uss).sum()
    }

    /// `PSS / USS / RSS sum (n procs)`.
    pub(crate) fn summary(&self) -> String {
        let or_na = |kib: Option<u64>| kib.map_or("n/a".to_owned(), mb);
        format!(
            "{} / {} / {} ({} procs)",
            or_na(self.pss()),
            or_na(self.uss()),
            mb(self.rss()),
            self.processes.len()
        )
    }

    pub(crate) fn breakdown(&self) -> String {
        let mut by_name: Vec<(String, u64, u64)> = Vec::new();
        for (name, memory) in &self.processes {
            let pss = memory.pss.unwrap_or(memory.rss);
            match by_name.iter_mut().find(|(n, ..)| n == name) {
                Some(entry) => {
                    entry.1 += pss;
                    entry.2 += memory.rss;
                }
                None => by_name.push((name.clone(), pss, memory.rss)),
            }
        }
        by_name
            .iter()
            .map(|(name, pss, rss)| format!("{name} {}/{}", mb(*pss), mb(*rss)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Per process of the tree, its largest mappings by PSS, grouped by file (`[anon]`: anonymous
/// memory, the heaps).
pub(crate) fn largest_mappings(app: u32, count: usize) -> Vec<String> {
    descendants(app)
        .into_iter()
        .filter_map(|pid| {
            let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).ok()?;
            let mut totals: HashMap<String, u64> = HashMap::new();
            let mut current = String::new();
            for line in smaps.lines() {
                let parts: Vec<&str> = line.split_whitespace().collect();
                match parts.first() {
                    Some(&"Pss:") => {
                        let kib = parts.get(1).and_then(|v| v.parse::<u64>().ok());
                        *totals.entry(current.clone()).or_default() += kib.unwrap_or(0);
                    }
                    Some(first) if first.contains('-') && !first.ends_with(':') => {
                        // `address perms offset dev inode [path]`
                        let path = parts.get(5..).map(|p| p.join(" ")).unwrap_or_default();
                        current = match path.as_str() {
                            "" => "[anon]".to_owned(),
                            p if p.starts_with('[') => p.to_owned(),
                            p => Path::new(p)
                                .file_name()
                                .map_or(p.to_owned(), |n| n.to_string_lossy().into_owned()),
                        };
                    }
                    _ => {}
                }
            }
            let mut largest: Vec<(String, u64)> = totals.into_iter().collect();
            largest.sort_by_key(|entry| std::cmp::Reverse(entry.1));
            let listed: Vec<String> = largest
                .iter()
                .take(count)
                .map(|(name, kib)| format!("{name} {}", mb(*kib)))
                .collect();
            Some(format!("{}: {}", process_name(pid), listed.join(", ")))
        })
        .collect()
}

pub(crate) fn mb(kib: u64) -> String {
    format!("{:.0} MB", kib as f64 / 1024.0)
}

fn memory(pid: u32) -> Option<Memory> {
    let field = |text: &str, name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
    };
    if let Ok(rollup) = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")) {
        let private = field(&rollup, "Private_Clean:")
            .and_then(|clean| Some(clean + field(&rollup, "Private_Dirty:")?));
        return Some(Memory {
            rss: field(&rollup, "Rss:")?,
            pss: field(&rollup, "Pss:"),
            uss: private,
        });
    }
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(Memory {
        rss: field(&status, "VmRSS:")?,
        pss: None,
        uss: None,
    })
}

/// What `/proc/<pid>/stat` says about a process.
struct Stat {
    ppid: u32,
    /// Start, in clock ticks after boot.
    start: u64,
    /// User plus system CPU time, in clock ticks.
    cpu: u64,
}

fn stat(pid: u32) -> Option<Stat> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    // Field n of proc(5) is at index n - 3 here.
    let fields: Vec<&str> = text.rsplit_once(')')?.1.split_whitespace().collect();
    let at = |n: usize| fields.get(n - 3)?.parse::<u64>().ok();
    Some(Stat {
        ppid: u32::try_from(at(4)?).ok()?,
        start: at(22)?,
        cpu: at(14)? + at(15)?,
    })
}

/// CPU seconds each process of the app's tree has used so far, by process name.
pub(crate) fn cpu_seconds(app: u32) -> Vec<(String, f64)> {
    let hz = clock_ticks_per_second();
    let mut by_name: Vec<(String, f64)> = Vec::new();
    for pid in descendants(app) {
        let Some(stat) = stat(pid) else { continue };
        let name = process_name(pid);
        let seconds = stat.cpu as f64 / hz;
        match by_name.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 += seconds,
            None => by_name.push((name, seconds)),
        }
    }
    by_name
}

/// `pid` and every process below it.
fn descendants(pid: u32) -> Vec<u32> {
    let parents: Vec<(u32, u32)> = all_pids()
        .into_iter()
        .filter_map(|p| Some((p, stat(p)?.ppid)))
        .collect();
    let mut tree = vec![pid];
    let mut next = 0;
    while let Some(&parent) = tree.get(next) {
        tree.extend(
            parents
                .iter()
                .filter(|(_, ppid)| *ppid == parent)
                .map(|(p, _)| *p),
        );
        next += 1;
    }
    tree
}

fn all_pids() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| entry.file_name().to_str()?.parse::<u32>().ok())
        .collect()
}

/// The executable's file name (`comm` is cut at 15 characters).
fn process_name(pid: u32) -> String {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .ok()
        .and_then(|exe| Some(exe.file_name()?.to_string_lossy().into_owned()))
        .or_else(|| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .ok()
                .map(|c| c.trim().to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

/// Processes on this machine outside the app's tree that map the WebKit library (another
/// WebKit app, another test's console): they share its pages, which lowers the app's PSS.
pub(crate) fn foreign_webkit_processes(app: u32) -> usize {
    let ours = descendants(app);
    all_pids()
        .into_iter()
        .filter(|pid| !ours.contains(pid))
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/maps"))
                .is_ok_and(|maps| maps.contains("libwebkit2gtk"))
        })
        .count()
}

/// The console process started (through tauri-driver and WebKitWebDriver) below this one.
pub(crate) fn find_app() -> Option<u32> {
    let binary = console_binary();
    let name = binary.file_name()?.to_string_lossy().into_owned();
    descendants(std::process::id())
        .into_iter()
        .skip(1)
        .find(|pid| process_name(*pid) == name)
}

/// When `pid` started, in Unix milliseconds (10 ms resolution).
pub(crate) fn process_start_wall_ms(pid: u32) -> Result<f64, Error> {
    let ticks = stat(pid).ok_or("process vanished")?.start;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")?
        .split_whitespace()
        .next()
        .ok_or("empty /proc/uptime")?
        .parse()?;
    let now = wall_ms();
    Ok(now - (uptime - ticks as f64 / clock_ticks_per_second()) * 1000.0)
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok()?.trim().parse().ok())
        .unwrap_or(100.0)
}
