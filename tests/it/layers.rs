//! The shape of the source: no import loop between the folders of `src/`
//! (`src/core/config.rs` counts as a place of its own), the practice server
//! apart from the HTTP client, and no source file over 600 lines. It reads
//! every `crate::…` and `super::…` path in `src/` (comments left out) and
//! looks for cycles between the places they connect.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file: `src/core/engine/upload.rs` → core, engine,
/// upload; a `mod.rs` is its folder's module.
fn module_of(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The place a module path lives in: its deepest existing folder, or
/// `core/config` for the config file.
fn place_of(src: &Path, path: &[String]) -> String {
    let mut place: Vec<&str> = Vec::new();
    for seg in path {
        let mut next = place.clone();
        next.push(seg);
        if src.join(next.join("/")).is_dir() {
            place = next;
        } else {
            if next == ["core", "config"] {
                return "core/config".into();
            }
            break;
        }
    }
    if place.is_empty() {
        ".".into()
    } else {
        place.join("/")
    }
}

fn place_of_file(rel: &Path) -> String {
    if rel == Path::new("core/config.rs") {
        return "core/config".into();
    }
    match rel.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_string_lossy().replace('\\', "/"),
        _ => ".".into(),
    }
}

/// Code without comments (line comments, doc comments, block comments).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('/') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("//") {
            rest = tail.find('\n').map(|n| &tail[n..]).unwrap_or("");
        } else if tail.starts_with("/*") {
            rest = tail.find("*/").map(|n| &tail[n + 2..]).unwrap_or("");
        } else {
            out.push('/');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Every path a `use` tree or an expression starting at `text` names:
/// `a::b::{c, d::{e}}` → a::b::c, a::b::d::e.
fn paths_at(text: &str, prefix: &[String], out: &mut Vec<Vec<String>>) -> usize {
    let mut path = prefix.to_vec();
    let mut i = 0;
    let bytes: Vec<char> = text.chars().collect();
    loop {
        while i < bytes.len() && bytes[i].is_whitespace() {
            i += 1;
        }
        if i < bytes.len() && bytes[i] == '{' {
            i += 1;
            loop {
                let rest: String = bytes[i..].iter().collect();
                i += paths_at(&rest, &path, out);
                while i < bytes.len() && (bytes[i].is_whitespace() || bytes[i] == ',') {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == '}' {
                    return i + 1;
                }
            }
        }
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        if i > start {
            path.push(bytes[start..i].iter().collect());
        } else if i < bytes.len() && bytes[i] == '*' {
            // A glob names the module itself.
            i += 1;
        }
        let rest: String = bytes[i..bytes.len().min(i + 2)].iter().collect();
        if rest == "::" && i > start {
            i += 2;
            continue;
        }
        out.push(path);
        return i;
    }
}

/// Places each place uses, with the files that make each link.
type Links = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn links(src: &Path) -> Links {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut links: Links = BTreeMap::new();
    for file in files {
        let rel = file.strip_prefix(src).unwrap().to_path_buf();
        let from = place_of_file(&rel);
        let module = module_of(&rel);
        let code = without_comments(&std::fs::read_to_string(&file).unwrap());
        let mut named = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == '$') {
                continue;
            }
            paths_at(&code[at + "crate::".len()..], &[], &mut named);
        }
        for (at, _) in code.match_indices("super::") {
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == ':') {
                continue;
            }
            // super::super::x: one level up per `super`.
            let mut base = module.clone();
            let mut rest = &code[at..];
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            paths_at(rest, &base, &mut named);
        }
        for path in named {
            let to = place_of(src, &path);
            if to != from {
                links
                    .entry(from.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(rel.display().to_string());
            }
        }
    }
    links
}

/// Places that can reach themselves again (each loop once, as a set).
fn loops(links: &Links) -> Vec<Vec<String>> {
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(p) = todo.pop() {
            for next in links.get(&p).into_iter().flat_map(|m| m.keys()) {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let mut found: BTreeSet<Vec<String>> = BTreeSet::new();
    for from in links.keys() {
        if reach(from).contains(from) {
            let group: Vec<String> = links
                .keys()
                .filter(|p| reach(from).contains(*p) && reach(p).contains(from))
                .cloned()
                .collect();
            found.insert(group);
        }
    }
    found.into_iter().collect()
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn no_import_loop_between_the_folders_of_src() {
    let links = links(&src());
    let loops = loops(&links);
    let explain: Vec<String> = loops
        .iter()
        .map(|group| {
            let mut lines = vec![format!("loop between {}:", group.join(", "))];
            for a in group {
                for (b, files) in &links[a] {
                    if group.contains(b) {
                        let files: Vec<_> = files.iter().cloned().collect();
                        lines.push(format!("  {a} → {b} ({})", files.join(", ")));
                    }
                }
            }
            lines.join("\n")
        })
        .collect();
    assert!(loops.is_empty(), "{}", explain.join("\n"));
    // The practice server stands apart from the client it tests.
    let practice = &links["core/practice"];
    for apart in ["core/xclient", "core/auth", "core/engine", "core/service"] {
        assert!(
            !practice.contains_key(apart),
            "core/practice uses {apart}: {:?}",
            practice.get(apart)
        );
    }
    // The checker sees what it should: the window uses the service.
    assert!(links["ui"].contains_key("core/service"));
    assert!(links["core/service"].contains_key("core/config"));
}

#[test]
fn the_checker_finds_a_loop_and_names_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    for (file, code) in [
        ("core/a/mod.rs", "use crate::core::b::{self, B};\n"),
        (
            "core/b/mod.rs",
            "use super::c::C;\n// crate::core::a is a comment\n",
        ),
        ("core/c/mod.rs", "pub fn f() { crate::core::a::g(); }\n"),
        ("core/config.rs", "use crate::core::a;\n"),
        ("core/limits.rs", "pub const X: u8 = 1;\n"),
    ] {
        let path = src.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, code).unwrap();
    }
    let links = links(src);
    assert_eq!(
        loops(&links),
        vec![vec![
            "core/a".to_string(),
            "core/b".to_string(),
            "core/c".to_string()
        ]]
    );
    assert!(links["core/config"].contains_key("core/a"));
    assert!(!links.contains_key("core"));
}

#[test]
fn no_source_file_over_600_lines() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", f.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these: {long:?}");
}
