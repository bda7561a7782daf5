//! The layering of nest-core's modules (ARCHITECTURE.md): a module may use what its own layer
//! and the layers below it define, never what a layer above defines. This test reads every
//! `crate::…` and `super::…` path in `src/` (in `use` lines and in code) and fails on a path
//! that reaches up.
//!
//! A path is placed by the longest prefix of it that the table names; so is a file, by its
//! module path. A facade module (`http`, `sse`, the crate root) re-exports what it names, and
//! is placed at the layer of its own code: importing a lower item through a higher facade is
//! reported too (name the item's own module instead).

use std::{
    fs,
    path::{Path, PathBuf},
};

/// The layers, lowest first, with the module paths each owns.
const LAYERS: &[(&str, &[&str])] = &[
    ("support", &["lock", "json"]),
    (
        "SSE wire format",
        &["sse::event", "sse::encoder", "sse::options"],
    ),
    ("errors", &["error", "sse::hub::error"]),
    ("request context", &["context", "metrics"]),
    (
        "HTTP",
        &["http", "http::path_pattern", "panic", "sse::body"],
    ),
    ("validation", &["validation"]),
    ("API descriptions", &["openapi::schema", "openapi::route"]),
    ("dependency injection and lifecycle", &["di", "lifecycle"]),
    ("pipeline", &["pipeline"]),
    ("SSE streams and hub", &["sse"]),
    (
        "routing",
        &[
            "http::router",
            "controller",
            "app::mount",
            "app::versioning",
        ],
    ),
    (
        "server",
        &[
            "app::server",
            "app::conn",
            "app::takeover",
            "app::limits",
            "app::middleware",
            "app::cors",
            "app::tls",
        ],
    ),
    ("application", &["app"]),
    ("OpenAPI", &["openapi"]),
    (
        "events and scheduling",
        &["discovery", "event_emitter", "schedule"],
    ),
    ("configuration", &["config"]),
    ("health checks", &["health"]),
    ("testing", &["testing"]),
    ("public API", &[""]),
];

/// The layer of a module path: the longest prefix the table names.
fn layer_of(path: &[String]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (index, (_, prefixes)) in LAYERS.iter().enumerate() {
        for prefix in *prefixes {
            let segments: Vec<&str> = prefix.split("::").filter(|s| !s.is_empty()).collect();
            let matches = segments.len() <= path.len()
                && segments.iter().zip(path).all(|(a, b)| *a == b.as_str());
            if matches && best.is_none_or(|(length, _)| segments.len() > length) {
                best = Some((segments.len(), index));
            }
        }
    }
    best.map(|(_, index)| index)
}

/// Every `.rs` file under `dir`.
fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            found.push(path);
        }
    }
}

/// The module path of a source file: `src/sse/hub/mod.rs` is `sse::hub`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut segments: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        segments.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        segments.pop();
    }
    segments
}

/// The code of a file without comments and string literals (so that doc links and messages
/// are not read as paths).
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for next in chars.by_ref() {
                    if next == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for next in chars.by_ref() {
                    if last == '*' && next == '/' {
                        break;
                    }
                    last = next;
                }
            }
            '"' => {
                let mut escaped = false;
                for next in chars.by_ref() {
                    if next == '"' && !escaped {
                        break;
                    }
                    escaped = next == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Expands a use tree (`a::{b, c::{d, e}}`) into its paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let mut path = prefix.to_vec();
        let tree = tree.split(" as ").next().unwrap_or(tree);
        path.extend(
            tree.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        );
        out.push(path);
        return;
    };
    let mut head = prefix.to_vec();
    head.extend(
        tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    );
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut depth = 0;
    let mut start = 0;
    for (index, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                expand(&inner[start..index], &head, out);
                start = index + 1;
            }
            _ => {}
        }
    }
    expand(&inner[start..], &head, out);
}

/// The module paths a file's code reaches: its `use` trees and inline `crate::`/`super::`
/// paths, resolved against the file's own module path (child modules it declares included).
fn reached(module: &[String], code: &str) -> Vec<Vec<String>> {
    let children: Vec<String> = code
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let rest = line
                .strip_prefix("pub(crate) mod ")
                .or_else(|| line.strip_prefix("pub mod "))
                .or_else(|| line.strip_prefix("mod "))?;
            Some(rest.trim_end_matches(';').trim().to_owned())
        })
        .collect();
    let mut paths = Vec::new();
    // `use` trees, which may span lines; the rest of the code is scanned for inline paths.
    let mut rest = code;
    let mut inline = String::with_capacity(code.len());
    while let Some(at) = rest.find("use ") {
        let before = rest[..at].chars().last();
        inline.push_str(&rest[..at]);
        rest = &rest[at + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            inline.push_str("use ");
            continue;
        }
        let end = rest.find(';').unwrap_or(rest.len());
        expand(&rest[..end], &[], &mut paths);
        rest = &rest[end..];
    }
    inline.push_str(rest);
    for start in ["crate::", "super::"] {
        let mut rest = inline.as_str();
        while let Some(at) = rest.find(start) {
            let before = rest[..at].chars().last();
            rest = &rest[at..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                paths.push(
                    rest[..end]
                        .split("::")
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                );
            }
            rest = &rest[end.max(1)..];
        }
    }
    paths
        .into_iter()
        .filter_map(|path| {
            let first = path.first()?.clone();
            let first = first.as_str();
            let mut resolved: Vec<String> = match first {
                "crate" => Vec::new(),
                "super" | "self" => {
                    let mut base = module.to_vec();
                    let mut segments = path.iter().peekable();
                    while segments
                        .peek()
                        .is_some_and(|s| *s == "super" || *s == "self")
                    {
                        if segments.next().is_some_and(|s| s == "super") {
                            base.pop();
                        }
                    }
                    base.extend(segments.cloned());
                    return Some(base);
                }
                child if children.iter().any(|c| c == child) => module.to_vec(),
                _ => return None,
            };
            resolved.extend(path.into_iter().skip(usize::from(first == "crate")));
            Some(resolved)
        })
        .filter(|path| !path.is_empty())
        .collect()
}

#[test]
fn no_module_uses_a_layer_above_its_own() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let name = file.strip_prefix(&src).unwrap().display().to_string();
        let Some(own) = layer_of(&module) else {
            problems.push(format!("{name}: no layer in the table"));
            continue;
        };
        let text = fs::read_to_string(file).unwrap();
        // Unit tests may use anything: only the module's own code is checked.
        let text = text.split("#[cfg(test)]\nmod ").next().unwrap_or(&text);
        let code = code_only(text);
        for path in reached(&module, &code) {
            if let Some(used) = layer_of(&path) {
                if used > own {
                    problems.push(format!(
                        "{name} ({}) uses {} ({})",
                        LAYERS[own].0,
                        path.join("::"),
                        LAYERS[used].0
                    ));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(
        problems.is_empty(),
        "{} upward uses:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_use() {
    let module = vec!["http".to_owned(), "request".to_owned()];
    let code = code_only(
        "use crate::{context::AppContext, app::{NestApplication, server::X}};\n\
         // use crate::app::InAComment;\n\
         fn f() { let _ = \"crate::app::InAString\"; super::super::pipeline::run(); }",
    );
    let paths = reached(&module, &code);
    let layers: Vec<&str> = paths
        .iter()
        .filter_map(|path| layer_of(path))
        .map(|index| LAYERS[index].0)
        .collect();
    assert_eq!(
        layers,
        ["request context", "application", "server", "pipeline"]
    );
}
