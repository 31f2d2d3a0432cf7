//! The shape of the code, checked: import circles between modules and files that grew past
//! one concern's size (`cargo xtask modules`; `cargo xtask test` fails on either).
//!
//! A module depends on another when it names a path into it (`use crate::ledger::Ledger`,
//! `super::view::Query`, an inline `crate::format::amount(…)`); a path through a re-export
//! (`crate::Amount`) counts for the module that defines the item. A module and its own
//! ancestors are one unit (a folder's `mod.rs` and its files may name each other); every
//! other pair of modules must not reach each other both ways. The source is read as text,
//! with comments, strings and `#[cfg(test)]` modules left out, which is enough for code
//! that writes its paths plainly, as ours does.

use crate::{Result, root};
mod source;

use source::Source;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// Lines of non-test code a file may keep: past this it is holding more than one concern.
pub const MAX_LINES: usize = 600;

/// The crates checked: name and root file.
const CRATES: [(&str, &str); 4] = [
    ("creditboard-domain", "crates/creditboard-domain/src/lib.rs"),
    ("creditboard-server", "crates/creditboard-server/src/lib.rs"),
    ("creditboard", "src/lib.rs"),
    ("xtask", "xtask/src/main.rs"),
];

/// `cargo xtask modules`: prints the circles and the largest files; fails on a circle or a
/// file over [`MAX_LINES`].
pub fn check(verbose: bool) -> Result {
    let mut problems = Vec::new();
    let mut sizes = Vec::new();
    for (name, root_file) in CRATES {
        let krate = Crate::load(&root().join(root_file))?;
        for circle in krate.circles() {
            problems.push(format!("{name}: import circle {}", circle.join(" → ")));
        }
        for m in &krate.modules {
            sizes.push((m.lines, format!("{name}: {}", m.display_file())));
        }
    }
    sizes.sort_by(|a, b| b.cmp(a));
    for (lines, file) in &sizes {
        if *lines > MAX_LINES {
            problems.push(format!(
                "{file} has {lines} lines of non-test code (at most {MAX_LINES}): split it by concern"
            ));
        }
    }
    if verbose {
        println!("Largest source files (lines of non-test code):");
        for (lines, file) in sizes.iter().take(12) {
            println!("  {lines:>5}  {file}");
        }
    }
    if problems.is_empty() {
        if verbose {
            println!("No import circles.");
        }
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// One crate's modules, by index; 0 is the root.
struct Crate {
    modules: Vec<Module>,
}

struct Module {
    /// `["store", "worker"]`; empty for the root.
    path: Vec<String>,
    file: PathBuf,
    parent: Option<usize>,
    children: BTreeMap<String, usize>,
    /// `pub use` items by the name they are exported as: the path as written.
    reexports: HashMap<String, Vec<String>>,
    /// Every path the module names, as written.
    paths: Vec<Vec<String>>,
    lines: usize,
}

impl Module {
    fn name(&self) -> String {
        if self.path.is_empty() {
            "crate".into()
        } else {
            self.path.join("::")
        }
    }

    fn display_file(&self) -> String {
        let root = root();
        self.file
            .strip_prefix(&root)
            .unwrap_or(&self.file)
            .display()
            .to_string()
    }
}

impl Crate {
    fn load(root_file: &Path) -> Result<Crate> {
        let mut krate = Crate {
            modules: Vec::new(),
        };
        krate.add(root_file.to_path_buf(), Vec::new(), None, true)?;
        Ok(krate)
    }

    /// Reads a module's file and, recursively, the files of the modules it declares.
    fn add(
        &mut self,
        file: PathBuf,
        path: Vec<String>,
        parent: Option<usize>,
        owns_dir: bool,
    ) -> Result<usize> {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let source = Source::parse(&text);
        let index = self.modules.len();
        self.modules.push(Module {
            path: path.clone(),
            file: file.clone(),
            parent,
            children: BTreeMap::new(),
            reexports: source.reexports,
            paths: source.paths,
            lines: source.lines,
        });
        // `a/mod.rs`, `lib.rs`, `main.rs` keep their children beside them; `a.rs` in `a/`.
        let dir = match (owns_dir, file.parent()) {
            (true, Some(d)) => d.to_path_buf(),
            (_, Some(d)) => d.join(file.file_stem().unwrap_or_default()),
            (_, None) => PathBuf::new(),
        };
        for child in source.mods {
            let flat = dir.join(format!("{child}.rs"));
            let nested = dir.join(&child).join("mod.rs");
            let (child_file, owns) = if flat.exists() {
                (flat, false)
            } else if nested.exists() {
                (nested, true)
            } else {
                return Err(format!(
                    "{}: module `{child}` has no file ({} or {})",
                    file.display(),
                    flat.display(),
                    nested.display()
                ));
            };
            let mut child_path = path.clone();
            child_path.push(child.clone());
            let c = self.add(child_file, child_path, Some(index), owns)?;
            self.modules[index].children.insert(child, c);
        }
        Ok(index)
    }

    fn ancestors(&self, mut m: usize) -> Vec<usize> {
        let mut out = Vec::new();
        while let Some(p) = self.modules[m].parent {
            out.push(p);
            m = p;
        }
        out
    }

    /// The module a path written in `from` leads into (following re-exports), if it is in
    /// this crate.
    fn resolve(&self, from: usize, segments: &[String], depth: u32) -> Option<usize> {
        if depth > 8 {
            return None;
        }
        let (mut cur, rest) = match segments.first().map(String::as_str) {
            Some("crate") => (0, &segments[1..]),
            Some("self") => (from, &segments[1..]),
            Some("super") => {
                let mut cur = from;
                let mut n = 0;
                while segments.get(n).map(String::as_str) == Some("super") {
                    cur = self.modules[cur].parent?;
                    n += 1;
                }
                (cur, &segments[n..])
            }
            Some(first) if self.modules[from].children.contains_key(first) => (from, segments),
            _ => return None,
        };
        for seg in rest {
            if let Some(&child) = self.modules[cur].children.get(seg) {
                cur = child;
                continue;
            }
            if let Some(target) = self.modules[cur].reexports.get(seg)
                && let Some(m) = self.resolve(cur, target, depth + 1)
            {
                return Some(m);
            }
            break;
        }
        Some(cur)
    }

    /// Module → the modules it depends on (ancestors and descendants left out).
    fn edges(&self) -> Vec<BTreeSet<usize>> {
        (0..self.modules.len())
            .map(|m| {
                let ancestors = self.ancestors(m);
                self.modules[m]
                    .paths
                    .iter()
                    .filter_map(|p| self.resolve(m, p, 0))
                    .filter(|&t| {
                        t != m && !ancestors.contains(&t) && !self.ancestors(t).contains(&m)
                    })
                    .collect()
            })
            .collect()
    }

    /// Strongly connected components of more than one module (Tarjan), each as a path of
    /// names that closes on its first.
    fn circles(&self) -> Vec<Vec<String>> {
        let edges = self.edges();
        let mut tarjan = Tarjan {
            edges: &edges,
            index: vec![usize::MAX; edges.len()],
            low: vec![0; edges.len()],
            on_stack: vec![false; edges.len()],
            stack: Vec::new(),
            next: 0,
            components: Vec::new(),
        };
        for v in 0..edges.len() {
            if tarjan.index[v] == usize::MAX {
                tarjan.visit(v);
            }
        }
        let mut out: Vec<Vec<String>> = tarjan
            .components
            .iter()
            .map(|component| self.cycle_through(component, &edges))
            .collect();
        out.sort();
        out
    }

    /// One cycle through a component's first module, for the report.
    fn cycle_through(&self, component: &[usize], edges: &[BTreeSet<usize>]) -> Vec<String> {
        let members: BTreeSet<usize> = component.iter().copied().collect();
        let start = *members.iter().next().unwrap_or(&0);
        // Breadth-first back to the start within the component.
        let mut prev: HashMap<usize, usize> = HashMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closing = None;
        while let Some(v) = queue.pop_front() {
            for &w in edges[v].iter().filter(|w| members.contains(w)) {
                if w == start {
                    closing = Some(v);
                    break;
                }
                if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(w) {
                    e.insert(v);
                    queue.push_back(w);
                }
            }
            if closing.is_some() {
                break;
            }
        }
        let mut path = vec![start];
        let mut v = closing.unwrap_or(start);
        let mut back = Vec::new();
        while v != start {
            back.push(v);
            v = prev.get(&v).copied().unwrap_or(start);
        }
        path.extend(back.into_iter().rev());
        path.push(start);
        let mut names: Vec<String> = path.iter().map(|&m| self.modules[m].name()).collect();
        if members.len() > path.len() - 1 {
            let rest: Vec<String> = members
                .iter()
                .filter(|m| !path.contains(m))
                .map(|&m| self.modules[m].name())
                .collect();
            if let Some(last) = names.last_mut() {
                last.push_str(&format!(" (with {})", rest.join(", ")));
            }
        }
        names
    }
}

/// Tarjan's strongly connected components over the module graph.
struct Tarjan<'e> {
    edges: &'e [BTreeSet<usize>],
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    next: usize,
    /// Components of more than one module.
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    fn visit(&mut self, v: usize) {
        self.index[v] = self.next;
        self.low[v] = self.next;
        self.next += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        for &w in self.edges[v].iter() {
            if self.index[w] == usize::MAX {
                self.visit(w);
                self.low[v] = self.low[v].min(self.low[w]);
            } else if self.on_stack[w] {
                self.low[v] = self.low[v].min(self.index[w]);
            }
        }
        if self.low[v] == self.index[v] {
            let mut component = Vec::new();
            while let Some(w) = self.stack.pop() {
                self.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                self.components.push(component);
            }
        }
    }
}
