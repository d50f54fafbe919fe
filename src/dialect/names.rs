//! Identifier length limits. A server silently truncates a name longer than it allows
//! (PostgreSQL: 63 bytes) or refuses it (MySQL: 64 characters); either way the database no
//! longer has the name the file wrote, and every later plan would drop and re-create the
//! object. Such names are refused in the schema file, each with its limit, its truncated
//! spelling, the names it would collide with, and where it is written.

use crate::model::Schema;
use crate::parse::SourceFile;

/// How long a dialect's identifiers may be.
#[derive(Debug, Clone, Copy)]
pub enum NameLimit {
    Bytes(usize),
    Chars(usize),
}

impl NameLimit {
    fn fits(self, name: &str) -> bool {
        match self {
            NameLimit::Bytes(n) => name.len() <= n,
            NameLimit::Chars(n) => name.chars().count() <= n,
        }
    }

    /// What the server would keep of a name (PostgreSQL cuts at a character boundary).
    fn truncate(self, name: &str) -> String {
        match self {
            NameLimit::Bytes(n) => {
                let mut end = n.min(name.len());
                while !name.is_char_boundary(end) {
                    end -= 1;
                }
                name[..end].to_string()
            }
            NameLimit::Chars(n) => name.chars().take(n).collect(),
        }
    }

    fn describe(self) -> String {
        match self {
            NameLimit::Bytes(n) => format!("{n} bytes"),
            NameLimit::Chars(n) => format!("{n} characters"),
        }
    }

    fn measure(self, name: &str) -> String {
        match self {
            NameLimit::Bytes(_) => format!("{} bytes", name.len()),
            NameLimit::Chars(_) => format!("{} characters", name.chars().count()),
        }
    }
}

/// Every name in a schema with the namespace it must be unique in and what it names.
fn names(schema: &Schema) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut add = |ns: String, kind: &str, name: &str| {
        out.push((ns, kind.to_string(), name.to_string()));
    };
    for s in &schema.schemas {
        add("schemas".into(), "schema", s);
    }
    for e in schema.enums.keys() {
        add(format!("types in {}", e.schema), "type", &e.name);
    }
    for q in schema.composites.keys().chain(schema.ranges.keys()) {
        add(format!("types in {}", q.schema), "type", &q.name);
    }
    for d in schema.domains.values() {
        add(
            format!("types in {}", d.name.schema),
            "domain",
            &d.name.name,
        );
        let cons = format!("constraints of domain {}", d.name);
        for c in &d.checks {
            add(cons.clone(), "constraint", &c.name);
        }
    }
    for q in schema.sequences.keys() {
        add(format!("relations in {}", q.schema), "sequence", &q.name);
    }
    for v in schema.views.keys() {
        add(format!("relations in {}", v.schema), "view", &v.name);
    }
    for t in schema.tables.values() {
        let rel = format!("relations in {}", t.name.schema);
        add(rel.clone(), "table", &t.name.name);
        let cols = format!("columns of {}", t.name);
        for c in &t.columns {
            add(cols.clone(), "column", &c.name);
        }
        let cons = format!("constraints of {}", t.name);
        if let Some(pk) = &t.primary_key {
            add(cons.clone(), "primary key", &pk.name);
        }
        for u in &t.uniques {
            add(cons.clone(), "unique constraint", &u.name);
        }
        for c in &t.checks {
            add(cons.clone(), "check constraint", &c.name);
        }
        for f in &t.foreign_keys {
            add(cons.clone(), "foreign key", &f.name);
        }
        for i in &t.indexes {
            add(rel.clone(), "index", &i.name);
        }
    }
    out
}

/// The first place a name is written in the sources (case-insensitively), as
/// `file:line:col`, or the first file when it only exists as a generated name.
fn locate(name: &str, sources: &[SourceFile]) -> String {
    let needle = name.to_lowercase();
    for src in sources {
        for (i, line) in src.text.lines().enumerate() {
            if let Some(pos) = line.to_lowercase().find(&needle) {
                let col = line[..pos.min(line.len())].chars().count() + 1;
                return format!("{}:{}:{col}", src.name, i + 1);
            }
        }
    }
    sources.first().map(|s| s.name.clone()).unwrap_or_default()
}

/// One line per name too long for `limit`; empty when every name fits.
pub fn too_long(
    schema: &Schema,
    limit: NameLimit,
    dialect: &str,
    sources: &[SourceFile],
) -> Vec<String> {
    let all = names(schema);
    let mut out = Vec::new();
    for (ns, kind, name) in &all {
        if limit.fits(name) {
            continue;
        }
        let cut = limit.truncate(name);
        let twins: Vec<&str> = all
            .iter()
            .filter(|(n2, _, other)| n2 == ns && other != name && limit.truncate(other) == cut)
            .map(|(_, _, other)| other.as_str())
            .collect();
        let twins = if twins.is_empty() {
            String::new()
        } else {
            format!(
                "; {} truncate(s) to the same name",
                twins
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let whose = match ns.strip_prefix("columns of ") {
            Some(table) => format!(" of {table}"),
            None => String::new(),
        };
        out.push(format!(
            "{}: {kind} name `{name}`{whose} is {}, longer than {dialect} allows ({}); the server would keep only `{cut}`{twins}. Shorten it",
            locate(name, sources),
            limit.measure(name),
            limit.describe(),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_whole_characters() {
        let name = format!("{}é", "a".repeat(62));
        assert_eq!(NameLimit::Bytes(63).truncate(&name), "a".repeat(62));
        assert!(!NameLimit::Bytes(63).fits(&name));
        assert!(NameLimit::Chars(64).fits(&name));
    }
}
