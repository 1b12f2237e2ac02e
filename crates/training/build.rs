//! Lists the built-in curriculum's files (`packs/builtin/`) so `Pack::builtin` can embed them
//! with `include_str!`: no files are needed at run time, and adding a lesson file needs no code
//! change (the manifest still decides what is loaded).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read at run time, not with `env!`: cargo may reuse this script's binary for a copy of the
    // crate at another path (a second worktree or clone sharing the target directory), and the
    // files must come from the crate being built.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&manifest_dir).join("packs/builtin");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every file of the built-in pack: (path relative to the pack, contents).\n\
         pub(super) static FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, absolute) in &files {
        // Debug formatting escapes quotes and backslashes, giving valid string literals.
        writeln!(out, "    ({relative:?}, include_str!({absolute:?})),")
            .expect("writing to a String cannot fail");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin_pack.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let entries = std::fs::read_dir(dir).expect("packs/builtin is readable");
    for entry in entries {
        let path = entry.expect("directory entries are readable").path();
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "md" || e == "toml") {
            let relative = path
                .strip_prefix(root)
                .expect("walked from root")
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((relative, path.to_string_lossy().into_owned()));
        }
    }
}
