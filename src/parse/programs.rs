//! Stored programs of a schema file (MySQL triggers, procedures, functions and events;
//! SQLite triggers), gathered while the file is read and added to the schema at the end:
//! a MySQL trigger's place among its table's triggers depends on the statements before
//! and after it (`FOLLOWS`/`PRECEDES`), and its table may come later in the file.

use super::mysql_program::{Read, TriggerOrder};
use super::{Loc, ParseError};
use crate::model::{Program, ProgramKind, Schema};
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Programs {
    read: Vec<(Read, Loc)>,
    /// The `sql_mode` the file set last (`SET sql_mode = '…'`, as mysqldump writes before
    /// each routine); `None` is the server's own.
    sql_mode: Option<String>,
    /// SQLite keys fold the trigger's name (SQLite compares names without case).
    fold: bool,
}

impl Programs {
    pub fn new(sqlite: bool) -> Self {
        Programs {
            fold: sqlite,
            ..Default::default()
        }
    }

    pub fn add(&mut self, mut read: Read, loc: Loc) {
        if let Some(mode) = &self.sql_mode {
            read.program
                .attributes
                .insert("sql_mode".into(), mode.clone());
        }
        self.read.push((read, loc));
    }

    /// A `SET` statement: one that sets `sql_mode` changes the mode later routines are
    /// made in. A variable or `DEFAULT` (mysqldump's `SET sql_mode = @saved_sql_mode`)
    /// brings back the server's own.
    pub fn set_statement(&mut self, text: &str) {
        if let Some(mode) = sql_mode_set(text) {
            self.sql_mode = mode;
        }
    }

    /// Adds every program to `schema`; errors for a name used twice and (with `validate`)
    /// for a trigger on a table the schema does not have.
    pub fn finish(self, schema: &mut Schema, validate: bool) -> Vec<ParseError> {
        let mut errors = Vec::new();
        let mut groups: BTreeMap<(String, String, String), Vec<String>> = BTreeMap::new();
        let mut by_key: BTreeMap<String, (Program, Loc)> = BTreeMap::new();
        for (read, loc) in self.read {
            let p = read.program;
            let key = Program::key_of(p.kind, &p.name, self.fold);
            if by_key.contains_key(&key) {
                errors.push(ParseError::At {
                    loc,
                    message: format!("{} `{}` is defined twice", p.kind.noun(), p.name),
                });
                continue;
            }
            if let (Some(table), true) = (&p.table, validate) {
                let known = schema
                    .tables
                    .keys()
                    .chain(schema.views.keys())
                    .any(|t| t.name.eq_ignore_ascii_case(&table.name));
                if !known {
                    errors.push(ParseError::At {
                        loc: loc.clone(),
                        message: format!(
                            "trigger `{}` is on `{}`, which the schema does not create",
                            p.name, table.name
                        ),
                    });
                }
            }
            if let Some((t, timing, event)) = p.trigger_group().filter(|_| !self.fold) {
                let list = groups
                    .entry((t.name.to_lowercase(), timing, event))
                    .or_default();
                let at = match &read.order {
                    Some(TriggerOrder::Follows(o)) => {
                        list.iter().position(|x| x == o).map(|i| i + 1)
                    }
                    Some(TriggerOrder::Precedes(o)) => list.iter().position(|x| x == o),
                    None => None,
                };
                if read.order.is_some() && at.is_none() {
                    errors.push(ParseError::At {
                        loc: loc.clone(),
                        message: format!(
                            "trigger `{}` names a trigger that is not created before it for the same table, time and event",
                            p.name
                        ),
                    });
                }
                list.insert(at.unwrap_or(list.len()), p.name.clone());
            }
            by_key.insert(key, (p, loc));
        }
        for list in groups.values() {
            for (key, position, before) in place_triggers(list) {
                if let Some((p, _)) = by_key.get_mut(&key) {
                    place(p, position, before);
                }
            }
        }
        for (key, (p, _)) in by_key {
            schema.programs.insert(key, p);
        }
        errors
    }
}

/// The triggers of one group (`names`, in firing order) numbered from 1, each with the
/// key of the one before it, which a plan creates first (a new trigger fires last).
pub fn place_triggers(names: &[String]) -> Vec<(String, u32, Option<String>)> {
    let key = |n: &str| Program::key_of(ProgramKind::Trigger, n, false);
    names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                key(n),
                i as u32 + 1,
                i.checked_sub(1).map(|j| key(&names[j])),
            )
        })
        .collect()
}

/// Applies [`place_triggers`] to one program.
pub fn place(p: &mut Program, position: u32, before: Option<String>) {
    p.position = position;
    p.needs.extend(before);
}

/// `SET [SESSION] sql_mode = 'x'` (also `@@sql_mode`, `@@SESSION.sql_mode`, in a
/// conditional comment, among other assignments): `Some(Some(mode))`; set from a variable
/// or `DEFAULT`: `Some(None)`; a statement that leaves `sql_mode` alone: `None`.
pub fn sql_mode_set(text: &str) -> Option<Option<String>> {
    let unwrapped = super::without_conditional_markers(text);
    let t = unwrapped.as_deref().unwrap_or(text);
    let lower = t.to_ascii_lowercase();
    let mut found = None;
    let mut from = 0;
    while let Some(at) = lower[from..].find("sql_mode") {
        let at = from + at;
        from = at + 8;
        let before = lower[..at].trim_end();
        let prefix_ok = before.ends_with("set")
            || before.ends_with(',')
            || before.ends_with("session")
            || before.ends_with("@@")
            || before.ends_with("@@session.")
            || before.ends_with("local");
        // `@saved_sql_mode` and `@OLD_SQL_MODE` are variables, not the setting.
        let word_start = at == 0
            || !lower.as_bytes()[at - 1].is_ascii_alphanumeric()
                && lower.as_bytes()[at - 1] != b'_';
        if !prefix_ok || !word_start || before.ends_with("@") && !before.ends_with("@@") {
            continue;
        }
        let rest = t[at + 8..].trim_start();
        let Some(value) = rest.strip_prefix('=').or_else(|| rest.strip_prefix(":=")) else {
            continue;
        };
        let value = value.trim_start();
        if let Some(q) = value.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let inner = &value[1..];
            let end = inner.find(q).unwrap_or(inner.len());
            found = Some(Some(canonical_mode(&inner[..end])));
        } else {
            found = Some(None);
        }
    }
    found
}

/// A `sql_mode` as the server shows it: upper case, no blanks.
pub fn canonical_mode(mode: &str) -> String {
    mode.split(',')
        .map(|m| m.trim().to_ascii_uppercase())
        .filter(|m| !m.is_empty())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_mode_statements() {
        assert_eq!(
            sql_mode_set("/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */"),
            Some(Some("STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION".into()))
        );
        assert_eq!(
            sql_mode_set("/*!50003 SET sql_mode = @saved_sql_mode */"),
            Some(None)
        );
        assert_eq!(
            sql_mode_set("/*!50003 SET @saved_sql_mode = @@sql_mode */"),
            None
        );
        assert_eq!(
            sql_mode_set(
                "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */"
            ),
            Some(Some("NO_AUTO_VALUE_ON_ZERO".into()))
        );
        assert_eq!(
            sql_mode_set("/*!40101 SET SQL_MODE=@OLD_SQL_MODE */"),
            Some(None)
        );
        assert_eq!(sql_mode_set("SET NAMES utf8mb4"), None);
        assert_eq!(
            sql_mode_set("SET SESSION sql_mode = 'ansi_quotes'"),
            Some(Some("ANSI_QUOTES".into()))
        );
    }
}
