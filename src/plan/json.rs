//! A plan as a JSON document, for `plan --format json` and the service.

use super::Plan;
use serde_json::json;

/// The JSON document for a plan; `version` changes only when the shape does.
pub fn plan_json(plan: &Plan, target: &str) -> serde_json::Value {
    let steps: Vec<serde_json::Value> = plan
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            json!({
                "index": i + 1,
                "kind": s.kind,
                "objects": s.objects,
                "sql": s.sql,
                "transactional": s.transactional,
                "hazards": s.hazards,
                "locks": s.locks,
            })
        })
        .collect();
    json!({
        "version": 1,
        "dialect": plan.dialect,
        "target": target,
        "summary": {
            "steps": plan.steps.len(),
            "destructive": plan.destructive_steps().count(),
            "longest_lock": plan.longest_lock().map(|(step, l)| json!({"step": step, "lock": l})),
        },
        "steps": steps,
        "warnings": plan.warnings,
    })
}
