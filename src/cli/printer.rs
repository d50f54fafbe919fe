//! All plan output: text for people (grouped by object, coloured on a terminal), bare SQL
//! for tools, JSON for machines; and the shared styling other commands print with.

use super::PlanFormat;
use crate::plan::Plan;

pub use crate::plan::json::plan_json;

/// Colours for people at a terminal: off when stdout is not a terminal or `NO_COLOR` is
/// set (to anything but the empty string), on when `CLICOLOR_FORCE` is set (not `0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub const PLAIN: Style = Style { color: false };

    pub fn stdout() -> Style {
        use std::io::IsTerminal;
        let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
        let color = if set("NO_COLOR") {
            false
        } else if set("CLICOLOR_FORCE")
            && std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| v != "0")
        {
            true
        } else {
            std::io::stdout().is_terminal()
        };
        Style { color }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
    pub fn bold(self, t: &str) -> String {
        self.paint("1", t)
    }
    pub fn red(self, t: &str) -> String {
        self.paint("31", t)
    }
    pub fn green(self, t: &str) -> String {
        self.paint("32", t)
    }
    pub fn yellow(self, t: &str) -> String {
        self.paint("33", t)
    }
    pub fn cyan(self, t: &str) -> String {
        self.paint("36", t)
    }
    pub fn dim(self, t: &str) -> String {
        self.paint("2", t)
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The plan for people: a header, then the steps grouped by the object they belong to
/// (groups in the order their first step runs; each step keeps its run number), every
/// hazard with its stable code and what the code means, and a closing summary line.
pub fn plan_text(plan: &Plan, target: &str, style: Style) -> String {
    if plan.is_empty() {
        return "No changes.\n".to_string();
    }
    let destructive = plan.destructive_steps().count();
    let mut out = format!(
        "Plan for {target} ({}): {}, {destructive} destructive\n",
        plan.dialect,
        plural(plan.steps.len(), "step"),
    );
    let mut groups: Vec<(&crate::plan::Owner, Vec<usize>)> = Vec::new();
    for (i, s) in plan.steps.iter().enumerate() {
        match groups.iter_mut().find(|(o, _)| **o == s.owner) {
            Some((_, v)) => v.push(i),
            None => groups.push((&s.owner, vec![i])),
        }
    }
    let mut by_code: std::collections::BTreeMap<&'static str, usize> = Default::default();
    // Worth saying per step only when some steps do run in the transaction (on MySQL none
    // do, and the plan's warning says so once).
    let mixed = plan.steps.iter().any(|s| s.transactional);
    for (owner, idx) in &groups {
        out.push('\n');
        out.push_str(&style.bold(&owner.to_string()));
        out.push('\n');
        for &i in idx {
            let s = &plan.steps[i];
            let head = format!(
                "{:>3}. {} ({})",
                i + 1,
                s.objects.join(", "),
                s.kind.replace('_', " ")
            );
            out.push_str(&if s.is_destructive() {
                style.red(&head)
            } else {
                style.cyan(&head)
            });
            out.push('\n');
            for h in &s.hazards {
                *by_code.entry(h.code.as_str()).or_default() += 1;
                let line = format!("     ! {}: {}", h.code.as_str(), h.message);
                out.push_str(&if h.code == crate::plan::HazardCode::DataLoss {
                    style.red(&line)
                } else {
                    style.yellow(&line)
                });
                out.push('\n');
                out.push_str(&style.dim(&format!("       ({})", h.code.explanation())));
                out.push('\n');
            }
            for l in &s.locks {
                out.push_str(&style.dim(&format!("     lock: {l}")));
                out.push('\n');
            }
            if !s.transactional && mixed {
                out.push_str("     (runs outside the transaction)\n");
            }
            for stmt in &s.sql {
                for line in stmt.lines() {
                    out.push_str("     ");
                    out.push_str(line);
                    out.push('\n');
                }
                out.pop();
                out.push_str(";\n");
            }
        }
    }
    let hazards = if by_code.is_empty() {
        "no hazards".to_string()
    } else {
        format!(
            "hazards: {}",
            by_code
                .iter()
                .map(|(c, n)| format!("{c} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let summary = format!(
        "\nSummary: {}, {destructive} destructive; {hazards}\n",
        plural(plan.steps.len(), "step"),
    );
    out.push_str(&if destructive > 0 {
        style.bold(&summary)
    } else {
        summary
    });
    if let Some((step, l)) = plan.longest_lock() {
        out.push_str(&format!("Longest lock: {l}, step {step}\n"));
    }
    out
}

/// Prints a plan; `session` is the settings it runs with (`SET lock_timeout = …`), which
/// the SQL form starts with, so the script a reviewer reads is the one that runs.
pub fn print_plan(plan: &Plan, target: &str, format: PlanFormat, session: &[String]) {
    match format {
        PlanFormat::Text => print!("{}", plan_text(plan, target, Style::stdout())),
        PlanFormat::Sql => {
            if !plan.is_empty() {
                for s in session {
                    println!("{s};");
                }
            }
            print!("{}", plan.sql())
        }
        // A `Value` built from strings and numbers always serializes.
        PlanFormat::Json => println!("{:#}", plan_json(plan, target)),
    }
}

pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// Warnings for objects found in the database that sqlshift does not manage.
pub fn unmanaged_warnings(schema: &crate::model::Schema) -> Vec<String> {
    schema
        .unmanaged
        .iter()
        .map(|u| format!("not managed: {} {} (left as it is)", u.kind, u.name))
        .collect()
}

/// A message about what a command did, on stderr so stdout stays the command's output.
pub fn note(message: &str) {
    eprintln!("{message}");
}
