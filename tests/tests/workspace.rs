//! Workspace shape: only the Tauri shell may depend on Tauri (directly or through another crate),
//! so every other crate stays testable and reusable without a WebView.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

#[test]
fn only_the_shell_depends_on_tauri() {
    let output = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1"])
        .current_dir(rampart_e2e::repo_root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata JSON");

    let names: HashMap<&str, &str> = metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let graph: HashMap<&str, Vec<&str>> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("resolve graph")
        .iter()
        .map(|node| {
            let deps = node["deps"]
                .as_array()
                .expect("deps")
                .iter()
                // Only normal (runtime) dependencies count; build and dev dependencies don't ship.
                .filter(|d| {
                    d["dep_kinds"]
                        .as_array()
                        .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
                })
                .map(|d| d["pkg"].as_str().expect("pkg"))
                .collect();
            (node["id"].as_str().expect("id"), deps)
        })
        .collect();

    let members = metadata["workspace_members"].as_array().expect("members");
    assert!(members.len() >= 3, "the workspace has its crates");
    for member in members {
        let id = member.as_str().expect("member id");
        let name = names[id];
        if name == "rampart-console" {
            continue;
        }
        let mut seen = HashSet::new();
        let mut stack = vec![id];
        while let Some(current) = stack.pop() {
            if !seen.insert(current) {
                continue;
            }
            assert_ne!(names[current], "tauri", "{name} depends on tauri");
            stack.extend(graph.get(current).into_iter().flatten().copied());
        }
    }
}
