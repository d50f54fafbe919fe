//! `sqlshift.sum`: the integrity file of a migrations folder.
//!
//! Each migration file (`*.up.sql`, `*.down.sql`, sorted by name) gets one line with a
//! chained SHA-256: the hash of the previous line's hash, the file name and the hash of the
//! file's contents. Editing, inserting, removing or reordering any file therefore changes
//! its line and every line after it. The first line holds a total over all of them.
//!
//! ```text
//! sqlshift-sum v1 total <hex>
//! 20250101120000_init.down.sql <hex>
//! 20250101120000_init.up.sql <hex>
//! ```
//!
//! Contents are hashed after stripping a UTF-8 byte-order mark and turning CRLF into LF,
//! so a checkout with `core.autocrlf` or an editor that adds a BOM is not a change.

use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "sqlshift.sum";
const HEADER: &str = "sqlshift-sum v1 total";

/// File contents as they are hashed: no BOM, LF line ends.
pub fn normalize(bytes: &[u8]) -> Vec<u8> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n') {
            i += 1;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 0xf) as usize] as char);
    }
    s
}

/// SHA-256 of a file's normalized contents, hex: the checksum the tracking table keeps.
pub fn file_hash(bytes: &[u8]) -> String {
    hex(&Sha256::digest(normalize(bytes)))
}

/// The contents of a sum file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sum {
    pub total: String,
    /// (file name, chained hash), sorted by name.
    pub entries: Vec<(String, String)>,
}

impl Sum {
    /// Computes the sum of `files` (name, raw bytes); the order is by name.
    pub fn compute(files: &[(String, Vec<u8>)]) -> Sum {
        let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut prev = seed();
        let mut entries = Vec::with_capacity(sorted.len());
        for (name, bytes) in sorted {
            prev = link(&prev, name, &file_hash(bytes));
            entries.push((name.clone(), prev.clone()));
        }
        let total = hex(&Sha256::digest(
            format!("{} {prev}", entries.len()).as_bytes(),
        ));
        Sum { total, entries }
    }

    pub fn render(&self) -> String {
        let mut out = format!("{HEADER} {}\n", self.total);
        for (name, h) in &self.entries {
            out.push_str(name);
            out.push(' ');
            out.push_str(h);
            out.push('\n');
        }
        out
    }

    /// Reads a sum file's text; conflict markers and malformed lines are errors.
    pub fn parse(text: &str, path: &Path) -> Result<Sum, SumError> {
        let text = String::from_utf8_lossy(&normalize(text.as_bytes())).into_owned();
        if text.lines().any(|l| {
            l.starts_with("<<<<<<<")
                || l.starts_with(">>>>>>>")
                || l.starts_with("=======")
                || l.starts_with("|||||||")
        }) {
            return Err(SumError::Conflict {
                path: path.to_path_buf(),
            });
        }
        let mut lines = text.lines().enumerate();
        let bad = |line: usize, reason: &str| SumError::Malformed {
            path: path.to_path_buf(),
            line: line + 1,
            reason: reason.to_string(),
        };
        let total = match lines.next() {
            Some((_, l)) => l
                .strip_prefix(HEADER)
                .map(|t| t.trim().to_string())
                .filter(|t| is_hash(t))
                .ok_or_else(|| bad(0, "the first line must be `sqlshift-sum v1 total <hash>`"))?,
            None => return Err(bad(0, "the file is empty")),
        };
        let mut entries = Vec::new();
        for (i, l) in lines {
            if l.trim().is_empty() {
                continue;
            }
            let (name, h) = l
                .trim()
                .rsplit_once(' ')
                .filter(|(_, h)| is_hash(h))
                .ok_or_else(|| bad(i, "expected `<file name> <hash>`"))?;
            entries.push((name.trim().to_string(), h.to_string()));
        }
        Ok(Sum { total, entries })
    }
}

/// The hash the first line chains on.
fn seed() -> String {
    hex(&Sha256::digest(b"sqlshift-sum v1"))
}

/// One line's chained hash: the previous line's hash, this file's name and contents.
fn link(prev: &str, name: &str, content_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(content_hash.as_bytes());
    hex(&h.finalize())
}

fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// One way the files differ from what the sum file recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Listed in the sum, not on disk.
    Missing(String),
    /// On disk, not listed in the sum.
    Unlisted(String),
    /// Listed and present, but its contents (or a file before it) changed.
    Edited(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Missing(n) => write!(f, "{n}: listed in sqlshift.sum but missing"),
            Problem::Unlisted(n) => write!(f, "{n}: not listed in sqlshift.sum"),
            Problem::Edited(n) => write!(f, "{n}: changed since sqlshift.sum was written"),
        }
    }
}

fn problems_text(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Debug, thiserror::Error)]
pub enum SumError {
    #[error("{}: has git merge conflict markers: two branches both added migrations.\n  Keep both branches' migration files, then either run `sqlshift migrate hash` (if the migrations are independent and may run in version order), or delete your branch's new migration and run `sqlshift generate NAME` again so it is generated on top of the other branch's", path.display())]
    Conflict { path: PathBuf },
    #[error("{}:{line}: not a valid sum file: {reason}; restore it from version control or run `sqlshift migrate hash`", path.display())]
    Malformed {
        path: PathBuf,
        line: usize,
        reason: String,
    },
    #[error("{}: missing, but the folder holds migrations; run `sqlshift migrate hash` to record them", path.display())]
    NoSum { path: PathBuf },
    #[error("{}: the migration files do not match it:\n{}\n  If a file was edited, restore it from version control (an applied migration must never change; write a new one instead); after a deliberate edit of a migration that was never applied anywhere, run `sqlshift migrate hash`. A missing file must be restored. An unlisted file is either a hand-written migration (run `sqlshift migrate hash`) or an accident", path.display(), problems_text(problems))]
    Mismatch {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Compares the files of a folder (name, raw bytes) with its recorded sum.
pub fn check(recorded: &Sum, files: &[(String, Vec<u8>)], path: &Path) -> Result<(), SumError> {
    let actual = Sum::compute(files);
    let mut problems = Vec::new();
    let want: Vec<&String> = recorded.entries.iter().map(|(n, _)| n).collect();
    let have: Vec<&String> = actual.entries.iter().map(|(n, _)| n).collect();
    for n in &want {
        if !have.contains(n) {
            problems.push(Problem::Missing((*n).clone()));
        }
    }
    for n in &have {
        if !want.contains(n) {
            problems.push(Problem::Unlisted((*n).clone()));
        }
    }
    if problems.is_empty() {
        // Same names in the same order. Each line is checked against the *recorded* line
        // before it, so every edited file is named, not only the first.
        for (k, (name, recorded_hash)) in recorded.entries.iter().enumerate() {
            let prev = match k {
                0 => seed(),
                _ => recorded.entries[k - 1].1.clone(),
            };
            let bytes = files
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, b)| b.as_slice())
                .unwrap_or_default();
            if &link(&prev, name, &file_hash(bytes)) != recorded_hash {
                problems.push(Problem::Edited(name.clone()));
            }
        }
        if problems.is_empty() && recorded.total != actual.total {
            return Err(SumError::Malformed {
                path: path.to_path_buf(),
                line: 1,
                reason: "the total does not match the listed hashes".into(),
            });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(SumError::Mismatch {
            path: path.to_path_buf(),
            problems,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> Vec<(String, Vec<u8>)> {
        list.iter()
            .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
            .collect()
    }

    #[test]
    fn bom_and_crlf_do_not_change_the_hash() {
        let lf = file_hash(b"CREATE TABLE t (a int);\nSELECT 1;\n");
        assert_eq!(lf, file_hash(b"CREATE TABLE t (a int);\r\nSELECT 1;\r\n"));
        assert_eq!(
            lf,
            file_hash(b"\xEF\xBB\xBFCREATE TABLE t (a int);\r\nSELECT 1;\n")
        );
        assert_ne!(lf, file_hash(b"CREATE TABLE t (a int);\nSELECT 2;\n"));
        // A lone CR is content, not a line end.
        assert_ne!(lf, file_hash(b"CREATE TABLE t (a int);\rSELECT 1;\n"));
        // Pinned: the hash of the empty file is SHA-256 of nothing.
        assert_eq!(
            file_hash(b"\xEF\xBB\xBF"),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn chained_lines_change_after_an_edit_insert_or_removal() {
        let base = Sum::compute(&files(&[("1_a.up.sql", "A"), ("2_b.up.sql", "B")]));
        let edited_files = files(&[("1_a.up.sql", "A2"), ("2_b.up.sql", "B")]);
        let edited = Sum::compute(&edited_files);
        assert_ne!(base.entries[1].1, edited.entries[1].1, "later line chains");
        assert_ne!(base.total, edited.total);
        let inserted = Sum::compute(&files(&[
            ("1_a.up.sql", "A"),
            ("15_x.up.sql", "X"),
            ("2_b.up.sql", "B"),
        ]));
        assert_ne!(base.entries[1].1, inserted.entries[2].1);
        assert_eq!(
            check(&base, &edited_files, Path::new("s"))
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
                .matches("changed since")
                .count(),
            1,
            "only the edited file is named"
        );
        let both = files(&[("1_a.up.sql", "A2"), ("2_b.up.sql", "B2")]);
        let msg = check(&base, &both, Path::new("s"))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            msg.contains("1_a.up.sql: changed") && msg.contains("2_b.up.sql: changed"),
            "{msg}"
        );
        let crlf = files(&[("1_a.up.sql", "A"), ("2_b.up.sql", "B")]);
        assert!(check(&base, &crlf, Path::new("s")).is_ok());
    }

    #[test]
    fn render_parse_round_trip_and_conflicts() {
        let s = Sum::compute(&files(&[("1_a.up.sql", "A"), ("1_a.down.sql", "a")]));
        let text = s.render();
        assert_eq!(Sum::parse(&text, Path::new("s")).ok(), Some(s.clone()));
        assert_eq!(
            Sum::parse(&text.replace('\n', "\r\n"), Path::new("s")).ok(),
            Some(s)
        );
        let conflicted = format!("<<<<<<< HEAD\n{text}=======\n{text}>>>>>>> branch\n");
        assert!(matches!(
            Sum::parse(&conflicted, Path::new("s")),
            Err(SumError::Conflict { .. })
        ));
    }
}
