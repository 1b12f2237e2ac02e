//! Reads the shipped Tauri configuration and capability files and fails when a security setting
//! regresses (house style, "Tauri security settings"; security baseline, "WebView and IPC").

use rampart_e2e::repo_root;
use serde_json::Value;

fn read_json(relative: &str) -> Value {
    let path = repo_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{relative}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn config() -> Value {
    read_json("src-tauri/tauri.conf.json")
}

fn csp_directive(config: &Value, name: &str) -> String {
    config["app"]["security"]["csp"][name]
        .as_str()
        .unwrap_or_else(|| panic!("CSP lacks {name}"))
        .to_owned()
}

fn capability_files() -> Vec<(String, Value)> {
    let names = config()["app"]["security"]["capabilities"]
        .as_array()
        .expect("capabilities are listed explicitly")
        .iter()
        .map(|v| v.as_str().expect("capability names are strings").to_owned())
        .collect::<Vec<_>>();
    assert!(!names.is_empty(), "at least one capability");
    names
        .into_iter()
        .map(|name| {
            let value = read_json(&format!("src-tauri/capabilities/{name}.json"));
            assert_eq!(
                value["identifier"],
                name.as_str(),
                "file name matches identifier"
            );
            (name, value)
        })
        .collect()
}

#[test]
fn global_tauri_is_off_and_the_prototype_frozen() {
    let config = config();
    assert_eq!(config["app"]["withGlobalTauri"], false);
    assert_eq!(config["app"]["security"]["freezePrototype"], true);
}

#[test]
fn csp_is_a_strict_directive_map() {
    let config = config();
    let csp = &config["app"]["security"]["csp"];
    assert!(
        csp.is_object(),
        "CSP is a directive map, not a string or null"
    );
    assert_eq!(csp_directive(&config, "default-src"), "'self'");
    assert_eq!(csp_directive(&config, "script-src"), "'self'");
    assert_eq!(csp_directive(&config, "object-src"), "'none'");
    assert_eq!(csp_directive(&config, "base-uri"), "'none'");
    assert_eq!(csp_directive(&config, "frame-ancestors"), "'none'");
    assert_eq!(
        csp_directive(&config, "connect-src"),
        "ipc: http://ipc.localhost"
    );
    // No data: images: the UI ships its images as files (the QR code will be inline SVG).
    assert_eq!(csp_directive(&config, "img-src"), "'self'");
    let all = csp.to_string();
    assert!(
        !all.contains("unsafe-eval"),
        "no unsafe-eval anywhere: {all}"
    );
    assert!(
        !all.contains("unsafe-inline"),
        "no unsafe-inline anywhere: {all}"
    );
    assert!(!all.contains('*'), "no wildcard sources: {all}");
    assert_ne!(
        config["app"]["security"]["dangerousDisableAssetCspModification"], true,
        "Tauri must keep adding its hashes and nonces to the CSP"
    );
}

#[test]
fn no_dangerous_option_is_enabled() {
    fn walk(value: &Value, path: &str) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    let lower = key.to_ascii_lowercase();
                    if lower.contains("dangerous") || lower.contains("insecure") {
                        assert!(
                            inner == &Value::Bool(false) || inner.is_null(),
                            "{path}.{key} must stay off"
                        );
                    }
                    walk(inner, &format!("{path}.{key}"));
                }
            }
            Value::Array(items) => items.iter().for_each(|item| walk(item, path)),
            _ => {}
        }
    }
    walk(&config(), "");
}

#[test]
fn capabilities_name_windows_and_grant_no_broad_plugins() {
    let windows: Vec<String> = config()["app"]["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .map(|w| {
            w["label"]
                .as_str()
                .expect("every window has a label")
                .to_owned()
        })
        .collect();
    for (name, capability) in capability_files() {
        let targets = capability["windows"]
            .as_array()
            .expect("capability names its windows");
        for target in targets {
            let label = target.as_str().expect("window label");
            assert!(!label.contains('*'), "{name}: wildcard window {label}");
            assert!(
                windows.iter().any(|w| w == label),
                "{name}: unknown window {label}"
            );
        }
        assert!(
            capability.get("remote").is_none(),
            "{name}: remote URLs get no IPC access"
        );
        for permission in capability["permissions"].as_array().expect("permissions") {
            let id = permission
                .as_str()
                .or_else(|| permission["identifier"].as_str())
                .expect("permission id");
            for banned in ["shell:", "fs:", "http:", "process:", "updater:"] {
                assert!(!id.starts_with(banned), "{name}: broad plugin grant {id}");
            }
            assert!(
                !id.ends_with(":default") || id.starts_with("core:"),
                "{name}: {id}"
            );
        }
    }
}

#[test]
fn every_declared_command_is_in_build_rs_and_allowed_for_the_main_window() {
    let build_rs =
        std::fs::read_to_string(repo_root().join("src-tauri/build.rs")).expect("build.rs");
    let allowed: Vec<String> = capability_files()
        .iter()
        .flat_map(|(_, c)| c["permissions"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    for command in rampart_console_core_commands() {
        assert!(
            build_rs.contains(&format!("\"{command}\"")),
            "build.rs declares {command}"
        );
        let permission = format!("allow-{}", command.replace('_', "-"));
        assert!(
            allowed.contains(&permission),
            "a capability grants {permission}"
        );
    }
}

/// The command list, read from the generated bindings (which a console-core test keeps current).
fn rampart_console_core_commands() -> Vec<String> {
    let bindings = std::fs::read_to_string(repo_root().join("ui/src/ipc/bindings.ts"))
        .expect("ui/src/ipc/bindings.ts");
    let line = bindings
        .lines()
        .find(|l| l.starts_with("export const COMMANDS = ["))
        .expect("bindings list the commands");
    let inner = line
        .trim_start_matches("export const COMMANDS = [")
        .trim_end_matches("] as const;");
    let commands: Vec<String> = inner
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_owned())
        .collect();
    assert!(!commands.is_empty() && !commands[0].is_empty());
    commands
}

#[test]
fn dev_builds_use_their_own_identifier() {
    let release = config()["identifier"]
        .as_str()
        .expect("identifier")
        .to_owned();
    let dev = read_json("src-tauri/tauri.dev.conf.json")["identifier"]
        .as_str()
        .expect("dev identifier")
        .to_owned();
    assert_ne!(release, dev);
    assert_eq!(dev, format!("{release}.dev"));
}

#[test]
fn release_builds_ship_no_devtools_and_no_risky_plugins() {
    let manifest =
        std::fs::read_to_string(repo_root().join("src-tauri/Cargo.toml")).expect("manifest");
    let tauri_line = manifest
        .lines()
        .find(|l| l.starts_with("tauri = "))
        .expect("src-tauri depends on tauri");
    assert!(
        !tauri_line.contains("devtools"),
        "the devtools feature would enable them in release"
    );
    for plugin in ["tauri-plugin-shell", "tauri-plugin-fs", "tauri-plugin-http"] {
        assert!(
            !manifest.contains(plugin),
            "{plugin} must not be a dependency"
        );
    }
    let config = config();
    for window in config["app"]["windows"].as_array().expect("windows") {
        assert_ne!(window["devtools"], true, "devtools are never forced on");
    }
}

#[test]
fn windows_are_protected_from_screen_capture() {
    let config = config();
    let windows = config["app"]["windows"].as_array().expect("windows listed");
    assert!(!windows.is_empty());
    for window in windows {
        assert_eq!(
            window["contentProtected"], true,
            "window {} must set contentProtected (honoured on Windows and macOS)",
            window["label"]
        );
    }
}
