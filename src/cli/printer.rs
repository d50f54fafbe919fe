//! All plan output: text for people, bare SQL for tools, JSON for machines.

use super::PlanFormat;
use crate::plan::Plan;
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
                "hazards": s.hazards.iter().map(|h| json!({"code": h.code.as_str(), "message": h.message})).collect::<Vec<_>>(),
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
        },
        "steps": steps,
        "warnings": plan.warnings,
    })
}

pub fn plan_text(plan: &Plan, target: &str) -> String {
    if plan.is_empty() {
        return "No changes.\n".to_string();
    }
    let mut out = format!(
        "Plan for {target} ({}): {} step{}, {} destructive\n",
        plan.dialect,
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        plan.destructive_steps().count()
    );
    for (i, s) in plan.steps.iter().enumerate() {
        out.push_str(&format!(
            "\n{:>3}. {} ({})\n",
            i + 1,
            s.objects.join(", "),
            s.kind.replace('_', " ")
        ));
        for h in &s.hazards {
            out.push_str(&format!("     ! {}: {}\n", h.code.as_str(), h.message));
        }
        if !s.transactional {
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
    out
}

pub fn print_plan(plan: &Plan, target: &str, format: PlanFormat) {
    match format {
        PlanFormat::Text => print!("{}", plan_text(plan, target)),
        PlanFormat::Sql => print!("{}", plan.sql()),
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
