//! What the release build does to `dist/` once everything is in it, so a server can keep
//! the app's files for a year and send them compressed:
//!
//! 1. **Content-hashed names.** Every file the page loads (`creditboard.js`, its wasm, the
//!    split loader and its chunks, ECharts, the demo worker, wasm-bindgen's snippets) gets
//!    the hash of its content in its name (`creditboard_bg-0123456789abcdef.wasm`), and every
//!    reference to it is rewritten. A reference is a quoted string that names the file
//!    relative to the one it is in (`'./chunk_16.wasm'`, `"creditboard.js"`, in a snippet
//!    `'../../echarts.js'`), except an object key: the wasm's imports are looked up by the
//!    names it was linked with (`"./__wasm_split.js": import6`), so those stay, and a map
//!    from a plain name to a file keeps its keys. Files are hashed after what they name, so
//!    a name changes with anything it reaches; files that name each other (the app's glue
//!    and the split loader import one another) share one hash of all their contents. The page
//!    (`index.html`), `embed.js` (hosts link it by name), Trunk's own hashed files and what
//!    the page does not reach keep their names.
//! 2. **Precompressed copies.** `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip -9)
//!    beside every file of a kind that compresses, where they are smaller.

use crate::Result;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The page; everything renamed is reached from it.
pub const PAGE: &str = "index.html";

/// Files whose text is searched for references.
const TEXT: &[&str] = &["html", "js", "mjs", "css"];

/// Files that are sent compressed (what compresses; images such as PNG already are).
const COMPRESSIBLE: &[&str] = &["wasm", "js", "mjs", "css", "svg", "html", "json", "map"];

/// The longest reference looked for (a quoted file name, not a paragraph).
const MAX_REFERENCE: usize = 512;

/// Hashes the names of what `dist`'s page loads and writes the compressed copies.
pub fn finish(dist: &Path) -> Result {
    let files = read_tree(dist)?;
    let result = fingerprint(&files, PAGE)?;
    for old in result.renamed.keys() {
        std::fs::remove_file(dist.join(old)).map_err(|e| format!("{old}: {e}"))?;
    }
    eprintln!(
        "content-hashed names: {} files, e.g. {}",
        result.renamed.len(),
        result
            .renamed
            .values()
            .find(|n| n.contains("_bg-"))
            .map_or("", |n| n.as_str())
    );
    for (name, bytes) in &result.files {
        if files.get(name) != Some(bytes) {
            let path = dist.join(name);
            std::fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    compress_tree(dist)
}

/// Every file under `dir`, by its path relative to it (`/`-separated).
fn read_tree(dir: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut files = BTreeMap::new();
    for path in walk(dir)? {
        let name = path
            .strip_prefix(dir)
            .map_err(|e| e.to_string())?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        files.insert(name, bytes);
    }
    Ok(files)
}

/// The files under `dir`, recursively.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| format!("{}: {e}", d.display()))? {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The files after renaming, and what was renamed (old → new name).
#[derive(Debug)]
pub struct Fingerprinted {
    pub files: BTreeMap<String, Vec<u8>>,
    pub renamed: BTreeMap<String, String>,
}

/// Content-hashed names for everything `root` reaches (see the module's doc); `files` by
/// their `/`-separated paths.
pub fn fingerprint(files: &BTreeMap<String, Vec<u8>>, root: &str) -> Result<Fingerprinted> {
    if !files.contains_key(root) {
        return Err(format!("there is no {root} to start from"));
    }
    // What each reachable file names, found from the page outwards.
    let mut named: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut queue = vec![root];
    while let Some(file) = queue.pop() {
        if named.contains_key(file) {
            continue;
        }
        let targets = references(file, &files[file], files);
        queue.extend(targets.iter().copied());
        named.insert(file, targets);
    }
    let renamable: BTreeSet<&str> = named
        .keys()
        .copied()
        .filter(|f| *f != root && !is_content_hashed(f))
        .collect();
    for (file, targets) in &named {
        if is_content_hashed(file)
            && let Some(t) = targets.iter().find(|t| renamable.contains(*t))
        {
            return Err(format!(
                "{file} is named by its content, yet names {t}, whose name is about to change"
            ));
        }
    }

    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    let mut out: BTreeMap<String, Vec<u8>> = files.clone();
    let edges = |f: &str| -> Vec<&str> {
        named[f]
            .iter()
            .copied()
            .filter(|t| renamable.contains(t))
            .collect()
    };
    for group in strongly_connected(&renamable, edges) {
        // What the group names outside itself already has its new name.
        let mut contents: Vec<(&str, Vec<u8>)> = group
            .iter()
            .map(|f| (*f, rewrite_file(f, &files[*f], &renamed)))
            .collect();
        contents.sort();
        let mut hasher = Sha256::new();
        for (name, bytes) in &contents {
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let hash: String = hasher.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut own = BTreeMap::new();
        for name in &group {
            own.insert(name.to_string(), hashed_name(name, &hash));
        }
        for (name, bytes) in contents {
            let bytes = rewrite_file(name, &bytes, &own);
            out.remove(name);
            out.insert(own[name].clone(), bytes);
        }
        renamed.extend(own);
    }
    // Everything reached that keeps its name (the page) names the new ones.
    for file in named.keys().filter(|f| !renamable.contains(*f)) {
        out.insert(
            file.to_string(),
            rewrite_file(file, &files[*file], &renamed),
        );
    }
    Ok(Fingerprinted {
        files: out,
        renamed,
    })
}

/// `dir/name.ext` → `dir/name-<hash>.ext` (the hash before the first dot of the file name).
fn hashed_name(path: &str, hash: &str) -> String {
    let (dir, name) = match path.rsplit_once('/') {
        Some((dir, name)) => (format!("{dir}/"), name),
        None => (String::new(), path),
    };
    match name.split_once('.') {
        Some((stem, ext)) => format!("{dir}{stem}-{hash}.{ext}"),
        None => format!("{dir}{name}-{hash}"),
    }
}

/// Whether a file name carries a content hash: `name-<16 hex digits>.ext`, as this module
/// and Trunk write them (the server keeps such files a year: `serving.rs`).
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    let Some((stem, _)) = name.split_once('.') else {
        return false;
    };
    stem.rsplit_once('-').is_some_and(|(before, hash)| {
        !before.is_empty()
            && hash.len() == 16
            && hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// A file's name with its content hash taken out: what the build first called it.
pub fn unhashed_name(name: &str) -> String {
    if !is_content_hashed(name) {
        return name.to_string();
    }
    let (stem, ext) = name.split_once('.').unwrap_or((name, ""));
    let base = stem.rsplit_once('-').map_or(stem, |(b, _)| b);
    format!("{base}.{ext}")
}

/// The file in `dist` the build first called `name` (its hashed name, or `name` itself).
pub fn find(dist: &Path, name: &str) -> Result<PathBuf> {
    let entries = std::fs::read_dir(dist)
        .map_err(|e| format!("{}: {e} (build the app first)", dist.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let file = path.file_name().map(|n| n.to_string_lossy().to_string());
        if file.is_some_and(|f| unhashed_name(&f) == name) {
            return Ok(path);
        }
    }
    Err(format!(
        "{}: no {name} (build the app first)",
        dist.display()
    ))
}

/// The forms in which `from` can name each file (relative to its directory, with or
/// without `./`), each with the file it names.
fn forms<'a>(from: &str, files: impl Iterator<Item = &'a str>) -> HashMap<String, &'a str> {
    let dir: Vec<&str> = match from.rsplit_once('/') {
        Some((dir, _)) => dir.split('/').collect(),
        None => Vec::new(),
    };
    let mut out = HashMap::new();
    for file in files {
        if file == from {
            continue;
        }
        let parts: Vec<&str> = file.split('/').collect();
        let common = dir.iter().zip(&parts).take_while(|(a, b)| a == b).count();
        let ups = "../".repeat(dir.len() - common);
        let relative = format!("{ups}{}", parts[common..].join("/"));
        if ups.is_empty() {
            out.insert(format!("./{relative}"), file);
        }
        out.insert(relative, file);
    }
    out
}

/// The files `file` names (only text files name anything).
fn references<'a>(
    file: &str,
    bytes: &[u8],
    files: &'a BTreeMap<String, Vec<u8>>,
) -> BTreeSet<&'a str> {
    let Some(text) = text_of(file, bytes) else {
        return BTreeSet::new();
    };
    let forms = forms(file, files.keys().map(String::as_str));
    let mut found = BTreeSet::new();
    scan(text, |literal| {
        if let Some(target) = forms.get(literal) {
            found.insert(*target);
        }
        None
    });
    found
}

/// `bytes` of `file` with every reference to a file in `renamed` naming its new name.
fn rewrite_file(file: &str, bytes: &[u8], renamed: &BTreeMap<String, String>) -> Vec<u8> {
    let Some(text) = text_of(file, bytes) else {
        return bytes.to_vec();
    };
    let forms = forms(file, renamed.keys().map(String::as_str));
    scan(text, |literal| {
        let target = forms.get(literal)?;
        let new_name = renamed[*target].rsplit('/').next().unwrap_or_default();
        let dir = literal.rsplit_once('/').map(|(d, _)| d);
        Some(match dir {
            Some(dir) => format!("{dir}/{new_name}"),
            None => new_name.to_string(),
        })
    })
    .into_bytes()
}

fn text_of<'a>(file: &str, bytes: &'a [u8]) -> Option<&'a str> {
    let ext = file.rsplit_once('.').map(|(_, e)| e)?;
    TEXT.contains(&ext)
        .then(|| std::str::from_utf8(bytes).ok())
        .flatten()
}

/// Every quoted string of `text` (`'…'` or `"…"`, on one line, without escapes) but object
/// keys, handed to `replace`; the text with the replacements it returned. Each quote is tried
/// as an opening one, so an apostrophe in a comment does not hide the string after it.
fn scan(text: &str, mut replace: impl FnMut(&str) -> Option<String>) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        let quote = bytes[i];
        if quote != b'"' && quote != b'\'' {
            i += 1;
            continue;
        }
        let window = &bytes[i + 1..bytes.len().min(i + 1 + MAX_REFERENCE)];
        let Some(len) = window
            .iter()
            .position(|&b| b == quote || b == b'\n' || b == b'\\')
            .filter(|&n| window[n] == quote)
        else {
            i += 1;
            continue;
        };
        let (start, end) = (i + 1, i + 1 + len);
        let replaced = if is_object_key(bytes, i, end) {
            None
        } else {
            replace(&text[start..end])
        };
        match replaced {
            Some(new) => {
                out.push_str(&text[copied..start]);
                out.push_str(&new);
                copied = end;
                i = end + 1;
            }
            // Not a reference: its closing quote may open the next string.
            None => i += 1,
        }
    }
    out.push_str(&text[copied..]);
    out
}

/// Whether the string from `open` to `close` (its quotes) is a key: `{ "a": …` or `, "a": …`.
fn is_object_key(bytes: &[u8], open: usize, close: usize) -> bool {
    let before = bytes[..open]
        .iter()
        .rev()
        .find(|b| !b.is_ascii_whitespace());
    let after = bytes[close + 1..].iter().find(|b| !b.is_ascii_whitespace());
    matches!(before, Some(b'{' | b',')) && after == Some(&b':')
}

/// `<file>.br` and `<file>.gz` beside every compressible file under `dist`, on every core
/// (brotli at its best takes seconds a megabyte), the largest files first.
fn compress_tree(dist: &Path) -> Result {
    let mut files: Vec<(u64, PathBuf)> = walk(dist)?
        .into_iter()
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            COMPRESSIBLE.contains(&ext)
        })
        .map(|p| (std::fs::metadata(&p).map_or(0, |m| m.len()), p))
        .collect();
    files.sort_by(|a, b| b.cmp(a));
    let mut totals = [0; 3];
    for sizes in crate::cores::each(&files, |(_, path)| compress_file(path))? {
        for (t, s) in totals.iter_mut().zip(sizes) {
            *t += s;
        }
    }
    let [raw, br, gz] = totals;
    eprintln!("compressed copies: {raw} bytes → {br} brotli, {gz} gzip");
    Ok(())
}

/// Writes `path`'s compressed copies where they are smaller; its size, and what each
/// encoding sends of it.
fn compress_file(path: &Path) -> Result<[usize; 3]> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut sizes = [bytes.len(); 3];
    for (i, (suffix, packed)) in [("br", brotli(&bytes)?), ("gz", gzip(&bytes)?)]
        .into_iter()
        .enumerate()
    {
        if packed.len() < bytes.len() {
            sizes[i + 1] = packed.len();
            let mut name = path.as_os_str().to_owned();
            name.push(format!(".{suffix}"));
            std::fs::write(&name, packed).map_err(|e| format!("{name:?}: {e}"))?;
        }
    }
    Ok(sizes)
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    let mut out = Vec::new();
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)
        .map_err(|e| format!("brotli: {e}"))?;
    Ok(out)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).map_err(|e| format!("gzip: {e}"))?;
    encoder.finish().map_err(|e| format!("gzip: {e}"))
}

/// Tarjan's strongly connected components of `nodes` under `edges`, each after every
/// component it reaches (what a file names is renamed before it).
fn strongly_connected<'a>(
    nodes: &BTreeSet<&'a str>,
    edges: impl Fn(&str) -> Vec<&'a str>,
) -> Vec<Vec<&'a str>> {
    struct State<'a> {
        index: HashMap<&'a str, usize>,
        low: HashMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, s: &mut State<'a>, edges: &dyn Fn(&str) -> Vec<&'a str>) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        for w in edges(v) {
            if !s.index.contains_key(w) {
                visit(w, s, edges);
                let low = s.low[v].min(s.low[w]);
                s.low.insert(v, low);
            } else if s.on_stack.contains(w) {
                let low = s.low[v].min(s.index[w]);
                s.low.insert(v, low);
            }
        }
        if s.low[v] == s.index[v] {
            let mut group = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                group.push(w);
                if w == v {
                    break;
                }
            }
            group.sort();
            s.out.push(group);
        }
    }
    let mut state = State {
        index: HashMap::new(),
        low: HashMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in nodes {
        if !state.index.contains_key(v) {
            visit(v, &mut state, &edges);
        }
    }
    state.out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    fn text(result: &Fingerprinted, name: &str) -> String {
        String::from_utf8(result.files[name].clone()).unwrap()
    }

    /// A `dist/` in miniature, shaped as the build leaves it.
    fn dist() -> BTreeMap<String, Vec<u8>> {
        files(&[
            (
                "index.html",
                "<!-- the app's own code: creditboard.js -->\n\
                 <link rel=\"stylesheet\" href=\"./main-10b60cd42acbc0a2.css\"/>\n\
                 <link rel=\"preload\" href=\"echarts.js\" as=\"script\" />\n\
                 <script>const f = (n) => n; // it's the worker's\n\
                 boot(f('demo-worker.js'), f('demo-worker_bg.wasm'));</script>\n\
                 <link rel=\"modulepreload\" href=\"creditboard.js\" />\n\
                 <script type=\"module\">import init from './creditboard.js';\n\
                 init({ module_or_path: new URL('creditboard_bg.wasm', document.baseURI) });</script>",
            ),
            ("main-10b60cd42acbc0a2.css", "body{}"),
            ("echarts.js", "var echarts = 'x';"),
            ("demo-worker.js", "self.wasm_bindgen = 1;"),
            ("demo-worker_bg.wasm", "\0asm worker"),
            ("embed.js", "const app = 'index.html';"),
            (
                "creditboard.js",
                "import * as i1 from \"./__wasm_split.js\"\n\
                 import { f } from './snippets/cb-8e4d1a7c470b8620/inline0.js';\n\
                 const imports = { \"./__wasm_split.js\": i1, \"./snippets/cb-8e4d1a7c470b8620/inline0.js\": f };\n\
                 module_or_path = new URL('creditboard_bg.wasm', import.meta.url);",
            ),
            ("creditboard_bg.wasm", "\0asm ./__wasm_split.js"),
            (
                "__wasm_split.js",
                "import { initSync } from \"./creditboard.js\";\n\
                 fetch(new URL(\"./chunk_1.wasm\", import.meta.url)); fetch(new URL(\"./split_a.wasm\", import.meta.url));",
            ),
            ("chunk_1.wasm", "\0asm 1"),
            ("split_a.wasm", "\0asm a"),
            (
                "snippets/cb-8e4d1a7c470b8620/inline0.js",
                "const FILES = { 'echarts.js': '../../echarts.js', 'demo-worker.js': '../../demo-worker.js' };\n\
                 export function f(n) { return new URL(FILES[n] ?? '../../' + n, import.meta.url).href; }",
            ),
            (
                "api-docs/swagger-ui-bundle.js",
                "var SwaggerUIBundle = 'echarts.js';",
            ),
        ])
    }

    #[test]
    fn what_the_page_loads_is_named_by_its_content_and_named_so_everywhere() {
        let before = dist();
        let result = fingerprint(&before, PAGE).unwrap();
        let new = |old: &str| result.renamed[old].clone();
        let renamed: Vec<&str> = result.renamed.keys().map(String::as_str).collect();
        assert_eq!(
            renamed,
            [
                "__wasm_split.js",
                "chunk_1.wasm",
                "creditboard.js",
                "creditboard_bg.wasm",
                "demo-worker.js",
                "demo-worker_bg.wasm",
                "echarts.js",
                "snippets/cb-8e4d1a7c470b8620/inline0.js",
                "split_a.wasm",
            ],
            "what the page reaches, but for Trunk's hashed files; nothing else"
        );
        for (old, new) in &result.renamed {
            assert!(is_content_hashed(new), "{new}");
            assert_eq!(
                unhashed_name(new.rsplit('/').next().unwrap()),
                old.rsplit('/').next().unwrap()
            );
            assert!(!result.files.contains_key(old), "{old} is gone");
        }
        assert_eq!(
            new("chunk_1.wasm").len(),
            "chunk_1-0123456789abcdef.wasm".len()
        );
        assert!(
            new("snippets/cb-8e4d1a7c470b8620/inline0.js")
                .starts_with("snippets/cb-8e4d1a7c470b8620/inline0-")
        );

        let page = text(&result, "index.html");
        for (old, form) in [
            ("echarts.js", "href=\"{}\""),
            ("demo-worker.js", "f('{}')"),
            ("creditboard.js", "href=\"{}\""),
            ("creditboard.js", "from './{}'"),
            ("creditboard_bg.wasm", "new URL('{}'"),
        ] {
            assert!(
                page.contains(&form.replace("{}", &new(old))),
                "{form} of {old}: {page}"
            );
        }
        assert!(
            page.contains("the app's own code: creditboard.js"),
            "comments are left as they are"
        );
        assert!(
            page.contains("./main-10b60cd42acbc0a2.css"),
            "Trunk's names stay"
        );

        let glue = text(&result, &new("creditboard.js"));
        assert!(
            glue.contains(&format!("from \"./{}\"", new("__wasm_split.js"))),
            "{glue}"
        );
        let snippet = new("snippets/cb-8e4d1a7c470b8620/inline0.js");
        assert!(glue.contains(&format!("from './{snippet}'")), "{glue}");
        assert!(
            glue.contains(
                "{ \"./__wasm_split.js\": i1, \"./snippets/cb-8e4d1a7c470b8620/inline0.js\": f }"
            ),
            "the wasm's import names stay: {glue}"
        );
        assert!(glue.contains(&format!(
            "new URL('{}', import.meta.url)",
            new("creditboard_bg.wasm")
        )));
        let loader = text(&result, &new("__wasm_split.js"));
        assert!(
            loader.contains(&format!("from \"./{}\"", new("creditboard.js"))),
            "{loader}"
        );
        assert!(loader.contains(&format!("\"./{}\"", new("chunk_1.wasm"))));
        assert!(loader.contains(&format!("\"./{}\"", new("split_a.wasm"))));
        let snippet = text(&result, &snippet);
        assert!(
            snippet.contains(&format!(
                "'echarts.js': '../../{}'",
                new("echarts.js").as_str()
            )),
            "keys stay, values follow: {snippet}"
        );

        // The glue and the loader name each other: one hash for both.
        let hash = |name: &str| {
            name.rsplit_once('-')
                .unwrap()
                .1
                .split_once('.')
                .unwrap()
                .0
                .to_string()
        };
        assert_eq!(hash(&new("creditboard.js")), hash(&new("__wasm_split.js")));
        assert_eq!(text(&result, "embed.js"), "const app = 'index.html';");
        assert_eq!(
            result.files["api-docs/swagger-ui-bundle.js"],
            before["api-docs/swagger-ui-bundle.js"]
        );
        assert_eq!(result.files.len(), before.len());
    }

    #[test]
    fn a_change_renames_the_file_and_everything_that_reaches_it_and_nothing_else() {
        let first = fingerprint(&dist(), PAGE).unwrap();
        assert_eq!(
            fingerprint(&dist(), PAGE).unwrap().renamed,
            first.renamed,
            "the same build, the same names"
        );
        let mut changed = dist();
        changed.insert("chunk_1.wasm".into(), b"\0asm 1, rebuilt".to_vec());
        let second = fingerprint(&changed, PAGE).unwrap();
        for (file, moved) in [
            ("chunk_1.wasm", true),
            ("__wasm_split.js", true),
            ("creditboard.js", true),
            ("split_a.wasm", false),
            ("creditboard_bg.wasm", false),
            ("echarts.js", false),
            ("snippets/cb-8e4d1a7c470b8620/inline0.js", false),
        ] {
            assert_eq!(first.renamed[file] != second.renamed[file], moved, "{file}");
        }
        let mut changed = dist();
        changed.insert("echarts.js".into(), b"var echarts = 'y';".to_vec());
        let third = fingerprint(&changed, PAGE).unwrap();
        for file in [
            "echarts.js",
            "snippets/cb-8e4d1a7c470b8620/inline0.js",
            "creditboard.js",
        ] {
            assert_ne!(
                first.renamed[file], third.renamed[file],
                "{file} reaches ECharts"
            );
        }
        assert_eq!(first.renamed["chunk_1.wasm"], third.renamed["chunk_1.wasm"]);
    }

    #[test]
    fn a_hashed_file_that_names_one_being_renamed_is_refused() {
        let mut files = dist();
        files.insert(
            "main-10b60cd42acbc0a2.css".into(),
            b"@import 'echarts.js';".to_vec(),
        );
        let refused = fingerprint(&files, PAGE).unwrap_err();
        assert!(refused.contains("main-10b60cd42acbc0a2.css"), "{refused}");
    }

    #[test]
    fn quoted_names_are_found_past_apostrophes_and_keys_are_left() {
        let seen = |text: &str| {
            let mut out = Vec::new();
            scan(text, |s| {
                if s.ends_with(".js") {
                    out.push(s.to_string());
                }
                None
            });
            out
        };
        assert_eq!(seen("// the page's\nx('a.js')"), ["a.js"]);
        assert_eq!(seen("it's f('a.js')"), ["a.js"]);
        assert_eq!(
            seen("{ 'k.js': 'v.js', \"k2.js\" : \"v2.js\" }"),
            ["v.js", "v2.js"]
        );
        assert_eq!(seen("c ? 'a.js' : 'b.js'"), ["a.js", "b.js"]);
        assert_eq!(seen("f('a.js\n')"), Vec::<String>::new());
    }
}
