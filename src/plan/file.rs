//! Plan files (`plan --out plan.json`, `apply --plan plan.json`): the reviewed steps with
//! the fingerprints of the schemas they were planned between, so that applying runs
//! exactly what was reviewed, and only on the database it was planned for.
//!
//! Version 1 shape, keys in this order: `version`, `kind` (`"sqlshift-plan"`), `dialect`,
//! `target` (the redacted URL), `fingerprints` (`source`: the live schema when planned,
//! `target`: the desired schema), `summary`, `steps` (as in `plan --format json`, plus
//! `object`, the object the step belongs to), `warnings`.

use super::{Hazard, HazardCode, Lock, Owner, Plan, Step};
use serde::{Deserialize, Serialize};

pub const VERSION: u32 = 1;
pub const KIND: &str = "sqlshift-plan";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fingerprints {
    /// The live schema the plan starts from.
    pub source: String,
    /// The desired schema the plan leads to.
    pub target: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub steps: usize,
    pub destructive: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileHazard {
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileStep {
    pub index: usize,
    pub kind: String,
    /// The top-level object, e.g. `table public.users`.
    pub object: String,
    pub objects: Vec<String>,
    pub sql: Vec<String>,
    pub transactional: bool,
    /// Indexes the step builds concurrently, dropped again if a failed build leaves them
    /// INVALID.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub builds: Vec<String>,
    pub hazards: Vec<FileHazard>,
    /// The locks the step takes on tables that exist (PostgreSQL).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<Lock>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanFile {
    pub version: u32,
    pub kind: String,
    pub dialect: String,
    pub target: String,
    pub fingerprints: Fingerprints,
    pub summary: Summary,
    pub steps: Vec<FileStep>,
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error("{path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{path}: not a sqlshift plan file: {reason}")]
    Invalid { path: String, reason: String },
    #[error("{path}: plan file version {found}; this sqlshift reads version {VERSION}: plan again with this version")]
    Version { path: String, found: u32 },
}

/// Every step kind a plan can hold (the `Change` kinds, and MySQL's combined ALTER).
const KINDS: &[&str] = &[
    "create_schema",
    "drop_schema",
    "create_extension",
    "drop_extension",
    "create_enum",
    "drop_enum",
    "add_enum_value",
    "rebuild_enum",
    "create_domain",
    "drop_domain",
    "alter_domain",
    "rebuild_domain",
    "create_composite",
    "drop_composite",
    "alter_composite",
    "create_range",
    "drop_range",
    "rebuild_range",
    "create_sequence",
    "drop_sequence",
    "alter_sequence",
    "create_table",
    "drop_table",
    "rename_table",
    "rebuild_table",
    "add_column",
    "move_column",
    "set_table_options",
    "set_persistence",
    "set_storage",
    "drop_column",
    "rename_column",
    "alter_column",
    "add_primary_key",
    "drop_primary_key",
    "add_unique",
    "drop_unique",
    "add_check",
    "drop_check",
    "add_foreign_key",
    "drop_foreign_key",
    "rename_constraint",
    "validate_constraint",
    "add_exclusion",
    "drop_exclusion",
    "create_index",
    "drop_index",
    "rename_index",
    "replace_index",
    "create_routine",
    "drop_routine",
    "replace_routine",
    "create_view",
    "drop_view",
    "set_view_options",
    "set_comment",
    "alter_table",
];

const OWNER_KINDS: &[&str] = &[
    "table",
    "view",
    "materialized view",
    "type",
    "sequence",
    "schema",
    "extension",
    "object",
];

/// A plan's steps as plan files (and drift reports) write them.
pub fn steps(plan: &Plan) -> Vec<FileStep> {
    plan.steps
        .iter()
        .enumerate()
        .map(|(i, s)| FileStep {
            index: i + 1,
            kind: s.kind.to_string(),
            object: s.owner.to_string(),
            objects: s.objects.clone(),
            sql: s.sql.clone(),
            transactional: s.transactional,
            builds: s.builds.clone(),
            hazards: s
                .hazards
                .iter()
                .map(|h| FileHazard {
                    code: h.code.as_str().to_string(),
                    message: h.message.clone(),
                })
                .collect(),
            locks: s.locks.clone(),
        })
        .collect()
}

impl PlanFile {
    /// The file for `plan`, planned on `target` between schemas with these fingerprints.
    pub fn new(plan: &Plan, target: &str, fingerprints: Fingerprints) -> PlanFile {
        PlanFile {
            version: VERSION,
            kind: KIND.to_string(),
            dialect: plan.dialect.to_string(),
            target: target.to_string(),
            fingerprints,
            summary: Summary {
                steps: plan.steps.len(),
                destructive: plan.destructive_steps().count(),
            },
            steps: steps(plan),
            warnings: plan.warnings.clone(),
        }
    }

    /// Pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        // Strings, numbers and booleans only: serde_json always writes them.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    pub fn read(path: &std::path::Path) -> Result<PlanFile, PlanFileError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| PlanFileError::Read {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        Self::parse(&text, &shown)
    }

    pub fn parse(text: &str, path: &str) -> Result<PlanFile, PlanFileError> {
        let invalid = |reason: String| PlanFileError::Invalid {
            path: path.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return Err(invalid(format!(
                "it has no `\"kind\": \"{KIND}\"` (write one with `sqlshift plan --out FILE`)"
            )));
        }
        if let Some(v) = value.get("version").and_then(|v| v.as_u64()) {
            if v != u64::from(VERSION) {
                return Err(PlanFileError::Version {
                    path: path.to_string(),
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                });
            }
        }
        serde_json::from_value(value).map_err(|e| invalid(e.to_string()))
    }

    /// The plan to execute: exactly the file's steps, in the file's order.
    pub fn to_plan(&self, path: &str) -> Result<Plan, PlanFileError> {
        let invalid = |reason: String| PlanFileError::Invalid {
            path: path.to_string(),
            reason,
        };
        let dialect = crate::dialect::dialect_by_name(&self.dialect)
            .ok_or_else(|| invalid(format!("unknown dialect `{}`", self.dialect)))?;
        let mut steps = Vec::new();
        for (i, s) in self.steps.iter().enumerate() {
            if s.index != i + 1 {
                return Err(invalid(format!(
                    "step {} has index {}: steps must be numbered 1, 2, 3, … in order",
                    i + 1,
                    s.index
                )));
            }
            let kind = KINDS
                .iter()
                .find(|k| **k == s.kind)
                .ok_or_else(|| invalid(format!("step {}: unknown kind `{}`", s.index, s.kind)))?;
            let (okind, oname) = s
                .object
                .split_once(' ')
                .and_then(|(k, n)| {
                    // `materialized view x` has a space in its kind.
                    if k == "materialized" {
                        n.strip_prefix("view ").map(|n| ("materialized view", n))
                    } else {
                        Some((k, n))
                    }
                })
                .ok_or_else(|| invalid(format!("step {}: bad object `{}`", s.index, s.object)))?;
            let okind = OWNER_KINDS
                .iter()
                .find(|k| **k == okind)
                .ok_or_else(|| invalid(format!("step {}: bad object `{}`", s.index, s.object)))?;
            let mut hazards = Vec::new();
            for h in &s.hazards {
                let code = HazardCode::parse(&h.code).ok_or_else(|| {
                    invalid(format!(
                        "step {}: unknown hazard code `{}`",
                        s.index, h.code
                    ))
                })?;
                let mut hazard = Hazard::new(code, h.message.clone());
                hazard.lock = Lock::longest(&s.locks).cloned();
                hazards.push(hazard);
            }
            steps.push(Step {
                kind,
                objects: s.objects.clone(),
                sql: s.sql.clone(),
                hazards,
                locks: s.locks.clone(),
                transactional: s.transactional,
                builds: s.builds.clone(),
                changes: Vec::new(),
                owner: Owner::new(okind, oname),
            });
        }
        Ok(Plan {
            dialect: dialect.name(),
            steps,
            warnings: self.warnings.clone(),
        })
    }
}
