//! `sqlshift lint [PATH]`: migration files checked for hazards. Exit 0 with no error-level
//! finding, 1 with one, 2 on an error (unreadable path, bad config, unknown dialect).

use super::printer::Style;
use super::settings::Settings;
use super::{Failure, LintArgs, ListFormat, Status};
use crate::lint::{self, Severity};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    files: usize,
    errors: usize,
    warnings: usize,
    findings: &'a [lint::Finding],
}

pub fn run(settings: &Settings, args: LintArgs) -> Result<Status, Failure> {
    let flag = match &args.dialect {
        Some(n) => Some(
            crate::dialect::dialect_by_name(n)
                .ok_or_else(|| {
                    Failure::error(format!(
                        "unknown dialect `{n}`: use sqlite, postgres or mysql"
                    ))
                })?
                .name(),
        ),
        None => None,
    };
    let (path, dialect) = match &args.path {
        Some(p) => {
            let fallback = flag.or_else(|| single_target(settings));
            (p.clone(), fallback)
        }
        None => {
            let m = settings.migrations()?;
            let fallback = flag.or_else(|| match m.targets.as_slice() {
                [one] => crate::dialect::dialect_by_name(one).map(|d| d.name()),
                _ => None,
            });
            (m.root, fallback)
        }
    };
    let groups = lint::collect(&path, dialect).map_err(|e| Failure::error(e.to_string()))?;
    let files: usize = groups.iter().map(|g| g.files.len()).sum();
    let findings = lint::lint(&groups);
    let errors = lint::errors(&findings);
    let warnings = findings.len() - errors;
    match args.format {
        ListFormat::Text => print!("{}", text(&findings, files, Style::stdout())),
        ListFormat::Json => {
            let report = JsonReport {
                version: 1,
                files,
                errors,
                warnings,
                findings: &findings,
            };
            let v = serde_json::to_string_pretty(&report)
                .map_err(|e| Failure::error(format!("cannot write the findings as JSON: {e}")))?;
            println!("{v}");
        }
    }
    Ok(if errors > 0 {
        Status::FOUND
    } else {
        Status::Success
    })
}

/// The project's one target dialect, when it has exactly one.
fn single_target(settings: &Settings) -> Option<&'static str> {
    let m = settings.migrations().ok()?;
    match m.targets.as_slice() {
        [one] => crate::dialect::dialect_by_name(one).map(|d| d.name()),
        _ => None,
    }
}

fn text(findings: &[lint::Finding], files: usize, style: Style) -> String {
    let mut out = String::new();
    for f in findings {
        let level = match f.severity {
            Severity::Error => style.red(&format!("error[{}]", f.code)),
            Severity::Warning => style.yellow(&format!("warning[{}]", f.code)),
        };
        let _ = writeln!(out, "{}:{}: {level}: {}", f.file, f.line, f.message);
    }
    let errors = lint::errors(findings);
    let warnings = findings.len() - errors;
    let files = format!("{files} file{}", if files == 1 { "" } else { "s" });
    if findings.is_empty() {
        let _ = writeln!(out, "No findings in {files}.");
    } else {
        let _ = writeln!(
            out,
            "\n{errors} error{}, {warnings} warning{} in {files}. Suppress a reviewed finding with `-- sqlshift:allow CODE` on the line above its statement.",
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
    }
    out
}
