//! Reading a Rust file as far as the module graph needs: its `mod` declarations, the paths
//! it names (in `use` trees and inline), its `pub use` re-exports and its size, with comments,
//! strings and `#[cfg(test)]` items left out.

use std::collections::HashMap;

/// What one file says about modules: its `mod` declarations, `use`s and other paths.
pub struct Source {
    pub mods: Vec<String>,
    pub reexports: HashMap<String, Vec<String>>,
    pub paths: Vec<Vec<String>>,
    pub lines: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Sep,
    Punct(char),
}

impl Source {
    pub fn parse(text: &str) -> Source {
        let code = strip_comments_and_strings(text);
        let tokens = tokenize(&code);
        let tokens = drop_test_modules(tokens);
        let lines = count_non_test_lines(text);
        let mut out = Source {
            mods: Vec::new(),
            reexports: HashMap::new(),
            paths: Vec::new(),
            lines,
        };
        let ident = |i: usize| match tokens.get(i) {
            Some(Tok::Ident(s)) => Some(s.as_str()),
            _ => None,
        };
        let mut i = 0;
        while i < tokens.len() {
            match ident(i) {
                Some("mod") if matches!(tokens.get(i + 2), Some(Tok::Punct(';'))) => {
                    if let Some(name) = ident(i + 1) {
                        out.mods.push(name.to_string());
                    }
                    i += 3;
                }
                Some("use") => {
                    let public = i > 0
                        && (ident(i - 1) == Some("pub")
                            || matches!(tokens.get(i - 1), Some(Tok::Punct(')'))));
                    let end = (i..tokens.len())
                        .find(|&j| tokens[j] == Tok::Punct(';'))
                        .unwrap_or(tokens.len());
                    for (mut path, alias) in use_tree(&tokens[i + 1..end]) {
                        // `a::{self, …}` names `a`.
                        if path.last().map(String::as_str) == Some("self") {
                            path.pop();
                        }
                        if public
                            && let Some(name) = alias.or_else(|| path.last().cloned())
                            && name != "*"
                        {
                            out.reexports.insert(name, path.clone());
                        }
                        out.paths.push(path);
                    }
                    i = end + 1;
                }
                Some(first) => {
                    // An inline path: `a::b::c`.
                    let mut path = vec![first.to_string()];
                    let mut j = i + 1;
                    while tokens.get(j) == Some(&Tok::Sep) {
                        match ident(j + 1) {
                            Some(s) => path.push(s.to_string()),
                            None => break,
                        }
                        j += 2;
                    }
                    if path.len() > 1 {
                        out.paths.push(path);
                    }
                    i = j.max(i + 1);
                }
                None => i += 1,
            }
        }
        out
    }
}

/// The paths of a `use` tree (`crate::{a::X, b::{self, Y as Z}}`), each with its alias.
fn use_tree(tokens: &[Tok]) -> Vec<(Vec<String>, Option<String>)> {
    fn walk(
        tokens: &[Tok],
        i: &mut usize,
        prefix: &[String],
        out: &mut Vec<(Vec<String>, Option<String>)>,
    ) {
        let mut path = prefix.to_vec();
        loop {
            match tokens.get(*i) {
                Some(Tok::Ident(s)) if s == "as" => {
                    *i += 1;
                    let alias = match tokens.get(*i) {
                        Some(Tok::Ident(a)) => Some(a.clone()),
                        _ => None,
                    };
                    *i += 1;
                    out.push((std::mem::take(&mut path), alias));
                    return;
                }
                Some(Tok::Ident(s)) => {
                    path.push(s.clone());
                    *i += 1;
                }
                Some(Tok::Punct('*')) => {
                    path.push("*".into());
                    *i += 1;
                }
                Some(Tok::Sep) => *i += 1,
                Some(Tok::Punct('{')) => {
                    *i += 1;
                    loop {
                        walk(tokens, i, &path, out);
                        match tokens.get(*i) {
                            Some(Tok::Punct(',')) => {
                                *i += 1;
                                if tokens.get(*i) == Some(&Tok::Punct('}')) {
                                    *i += 1;
                                    return;
                                }
                            }
                            Some(Tok::Punct('}')) => {
                                *i += 1;
                                return;
                            }
                            _ => return,
                        }
                    }
                }
                _ => {
                    if !path.is_empty() && path.len() > prefix.len() {
                        out.push((path, None));
                    }
                    return;
                }
            }
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    walk(tokens, &mut i, &[], &mut out);
    out
}

fn tokenize(code: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[start..i].iter().collect()));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push(Tok::Sep);
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Leaves out `#[cfg(test)] mod name { … }` and `#[cfg(test)] mod name;`.
fn drop_test_modules(tokens: Vec<Tok>) -> Vec<Tok> {
    let attr: Vec<Tok> = tokenize("#[cfg(test)]");
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i..].starts_with(&attr) {
            let mut j = i + attr.len();
            // Further attributes between `#[cfg(test)]` and the item.
            while tokens.get(j) == Some(&Tok::Punct('#')) {
                let mut depth = 0;
                while j < tokens.len() {
                    match tokens[j] {
                        Tok::Punct('[') => depth += 1,
                        Tok::Punct(']') => {
                            depth -= 1;
                            if depth == 0 {
                                j += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    j += 1;
                }
            }
            // Skip the item: to its `;` or its closing brace.
            let mut depth = 0;
            while j < tokens.len() {
                match tokens[j] {
                    Tok::Punct(';') if depth == 0 => {
                        j += 1;
                        break;
                    }
                    Tok::Punct('{') => depth += 1,
                    Tok::Punct('}') => {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            i = j;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// Lines of a file outside its `#[cfg(test)]` module (tests sit at the end of a file).
fn count_non_test_lines(text: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let test_start = lines
        .windows(2)
        .position(|w| w[0].trim() == "#[cfg(test)]" && w[1].trim_start().starts_with("mod "))
        .unwrap_or(lines.len());
    lines[..test_start]
        .iter()
        .filter(|l| !l.trim().is_empty())
        .count()
}

/// Replaces comments, string and char literals with spaces (keeping line breaks), so their
/// words are not read as paths.
fn strip_comments_and_strings(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let blank = |ch: char| if ch == '\n' { '\n' } else { ' ' };
    while i < c.len() {
        // Line comment.
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
            continue;
        }
        // Block comment (nested).
        if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(c[i]));
                    i += 1;
                }
            }
            continue;
        }
        // Raw string r"…", r#"…"#, br"…".
        let raw_start = if c[i] == 'r' {
            Some(i + 1)
        } else if c[i] == 'b' && c.get(i + 1) == Some(&'r') {
            Some(i + 2)
        } else {
            None
        };
        let word_before = i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_');
        if let (Some(mut j), false) = (raw_start, word_before) {
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) == Some(&'"') {
                j += 1;
                loop {
                    if j >= c.len() {
                        break;
                    }
                    if c[j] == '"' && (0..hashes).all(|h| c.get(j + 1 + h) == Some(&'#')) {
                        j += 1 + hashes;
                        break;
                    }
                    out.push(blank(c[j]));
                    j += 1;
                }
                out.push(' ');
                i = j;
                continue;
            }
        }
        if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                if i < c.len() {
                    out.push(blank(c[i]));
                }
                i += 1;
            }
            i += 1;
            out.push(' ');
            continue;
        }
        // A char literal ('a', '\n', '\u{..}'), not a lifetime ('a).
        if c[i] == '\'' {
            let is_char = matches!(
                (c.get(i + 1), c.get(i + 2)),
                (Some('\\'), _) | (Some(_), Some('\''))
            );
            if is_char {
                i += 1;
                while i < c.len() && c[i] != '\'' {
                    if c[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
                out.push(' ');
                continue;
            }
        }
        out.push(c[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(src: &str) -> Vec<String> {
        Source::parse(src)
            .paths
            .into_iter()
            .map(|p| p.join("::"))
            .collect()
    }

    #[test]
    fn use_trees_and_inline_paths_are_read() {
        assert_eq!(
            paths("use crate::{a::X, b::{self, Y as Z}};\nfn f() { super::c::d(); }"),
            ["crate::a::X", "crate::b", "crate::b::Y", "super::c::d"]
        );
        // Comments, strings and test modules name nothing.
        assert!(paths("// crate::a::b\nconst S: &str = \"crate::x::y\";\n#[cfg(test)]\nmod tests { use crate::z::Z; }").is_empty());
    }

    #[test]
    fn re_exports_are_recorded_under_their_exported_name() {
        let s = Source::parse("pub use amount::Amount;\npub(crate) use x::Y as W;\nuse q::R;");
        assert_eq!(s.reexports["Amount"], ["amount", "Amount"]);
        assert_eq!(s.reexports["W"], ["x", "Y"]);
        assert!(!s.reexports.contains_key("R"));
    }
}
