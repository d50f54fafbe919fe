//! `sqlshift graph`: the schema's tables and foreign keys as a Mermaid flowchart or a
//! Graphviz DOT graph: the dependency graph the planner orders tables by. Deterministic:
//! tables and keys are sorted by name.

use super::settings::Settings;
use super::{Failure, GraphArgs, GraphFormat, Status, Target};
use crate::model::{QName, Schema};
use std::fmt::Write as _;

pub async fn run(settings: &Settings, args: GraphArgs) -> Result<Status, Failure> {
    let schema = if args.env.is_some() || args.url.is_some() {
        let target = Target {
            env: args.env.clone(),
            url: args.url.clone(),
        };
        let resolved = settings.resolve(&target, false)?;
        let mut conn = resolved.connect().await?;
        super::plan::live_schema(settings, &mut conn).await?
    } else {
        let dialect = match &args.dialect {
            Some(n) => crate::dialect::dialect_by_name(n).ok_or_else(|| {
                Failure::refused(format!(
                    "unknown dialect `{n}`: use sqlite, postgres or mysql"
                ))
            })?,
            None => {
                let resolved = settings.resolve(
                    &Target {
                        env: None,
                        url: None,
                    },
                    false,
                )?;
                crate::dialect::dialect_for_url(&resolved.url)?
            }
        };
        let paths = settings.schema_paths(&args.schema);
        crate::source::load_files_access(&paths, dialect, &settings.access)?.schema
    };
    match args.format {
        GraphFormat::Mermaid => print!("{}", mermaid(&schema)),
        GraphFormat::Dot => print!("{}", dot(&schema)),
    }
    Ok(Status::Success)
}

/// `(table, foreign key name, referenced table, columns → referenced columns)`, sorted.
fn edges(schema: &Schema) -> Vec<(&QName, &str, &QName, String)> {
    let mut v = Vec::new();
    for t in schema.tables.values() {
        for fk in &t.foreign_keys {
            v.push((
                &t.name,
                fk.name.as_str(),
                &fk.ref_table,
                format!("{} → {}", fk.columns.join(", "), fk.ref_columns.join(", ")),
            ));
        }
    }
    v.sort();
    v
}

pub fn mermaid(schema: &Schema) -> String {
    let ids: std::collections::BTreeMap<&QName, String> = schema
        .tables
        .keys()
        .enumerate()
        .map(|(i, q)| (q, format!("t{}", i + 1)))
        .collect();
    let mut out = String::from("flowchart LR\n");
    for (q, id) in &ids {
        let _ = writeln!(
            out,
            "    {id}[\"{}\"]",
            q.to_string().replace('"', "#quot;")
        );
    }
    for (from, _, to, label) in edges(schema) {
        // A key to a table outside the schema gets a node of its own.
        let target = ids.get(to).cloned().unwrap_or_else(|| {
            format!(
                "ext_{}",
                to.to_string()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            )
        });
        if let Some(source) = ids.get(from) {
            let _ = writeln!(
                out,
                "    {source} -->|\"{}\"| {target}",
                label.replace('"', "#quot;")
            );
        }
    }
    out
}

pub fn dot(schema: &Schema) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from("digraph schema {\n    rankdir=LR;\n    node [shape=box];\n");
    for t in schema.tables.keys() {
        let _ = writeln!(out, "    {};", q(&t.to_string()));
    }
    for (from, name, to, label) in edges(schema) {
        let _ = writeln!(
            out,
            "    {} -> {} [label={}, tooltip={}];",
            q(&from.to_string()),
            q(&to.to_string()),
            q(&label),
            q(name)
        );
    }
    out.push_str("}\n");
    out
}
