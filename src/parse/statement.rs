//! One migration statement → the schema operations it performs, for `lint`.
//!
//! Unlike the schema parser, this reads any statement a migration may hold (`DROP`,
//! `ALTER TABLE … RENAME`, `CREATE INDEX CONCURRENTLY`, MySQL `MODIFY`/`CHANGE`, …) and
//! keeps only what the lint rules look at; statements it has no rule for are [`Op::Other`].

use super::ddl::{ident, qname};
use super::types::map_type;
use crate::model::{DataType, QName};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, ColumnDef, ColumnOption, ObjectType,
    RenameTableNameKind, Statement, TableConstraint,
};
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect};
use sqlparser::parser::Parser;

/// A column as a statement defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    /// `None` when the type is not one sqlshift models.
    pub data_type: Option<DataType>,
    pub spelled_type: String,
    pub not_null: bool,
    pub has_default: bool,
    /// Filled by the database (identity, generated, serial, auto-increment).
    pub filled: bool,
    /// Every existing row gets its own value when the column is added (a volatile
    /// default, serial, identity, stored generated column), so PostgreSQL rewrites the
    /// table: what does it, as written.
    pub rewrites: Option<String>,
    /// A default calls a function whose volatility is not known here.
    pub unknown_default_call: Option<String>,
}

/// What a statement does, as far as lint rules care.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateTable {
        table: QName,
        columns: Vec<ColumnInfo>,
        /// PostgreSQL `PARTITION BY`: the table holds no rows of its own.
        partitioned: bool,
    },
    DropTable {
        table: QName,
    },
    AddColumn {
        table: QName,
        column: ColumnInfo,
    },
    DropColumn {
        table: QName,
        column: String,
    },
    /// `ALTER COLUMN … TYPE`, MySQL `MODIFY` / `CHANGE`.
    AlterType {
        table: QName,
        column: String,
        to: Option<DataType>,
        spelled: String,
        /// `USING expr`: every row is converted, so the table is rewritten.
        using: bool,
    },
    /// `ADD [CONSTRAINT] UNIQUE | PRIMARY KEY`, built in place or `USING INDEX`.
    AddUnique {
        table: QName,
        name: Option<String>,
        primary: bool,
        using_index: bool,
    },
    /// `ADD [CONSTRAINT] FOREIGN KEY | CHECK | EXCLUDE …`.
    AddConstraint {
        table: QName,
        name: Option<String>,
        kind: ConstraintKind,
        not_valid: bool,
    },
    ValidateConstraint {
        table: QName,
        name: String,
    },
    SetNotNull {
        table: QName,
        column: String,
    },
    DropIndex {
        names: Vec<QName>,
        concurrently: bool,
    },
    /// `REINDEX` without `CONCURRENTLY`.
    Reindex,
    /// Rewrites the whole table under ACCESS EXCLUSIVE (`VACUUM FULL`, `CLUSTER`,
    /// `SET LOGGED`/`UNLOGGED`, `SET TABLESPACE`): what, as written.
    Rewrite {
        table: Option<QName>,
        what: String,
    },
    /// `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY`.
    RefreshBlocking {
        view: QName,
    },
    /// `SET lock_timeout = 0`, `RESET lock_timeout` or `RESET ALL`: statements after it wait
    /// for locks without a limit.
    LockTimeoutOff,
    CreateIndex {
        table: QName,
        name: Option<String>,
        unique: bool,
        concurrently: bool,
    },
    RenameTable {
        from: QName,
        to: QName,
    },
    RenameColumn {
        table: QName,
        from: String,
        to: String,
    },
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintKind {
    ForeignKey,
    /// `not_null_of`: the column when the check is `column IS NOT NULL`.
    Check {
        not_null_of: Option<String>,
    },
    Exclusion,
}

/// Functions a column default may call without PostgreSQL rewriting the table: the
/// immutable and stable ones defaults commonly use (PostgreSQL 11+ stores their value
/// once). Lower-case.
const NON_VOLATILE: &[&str] = &[
    "now",
    "current_timestamp",
    "current_date",
    "current_time",
    "localtimestamp",
    "localtime",
    "transaction_timestamp",
    "statement_timestamp",
    "current_user",
    "session_user",
    "current_schema",
    "lower",
    "upper",
    "concat",
    "coalesce",
    "make_date",
    "make_interval",
    "jsonb_build_object",
    "json_build_object",
    "jsonb_build_array",
    "json_build_array",
    "array",
    "to_jsonb",
    "to_json",
];

/// The first function a default calls that is not known to be non-volatile; `Err` when
/// it is known to be volatile.
fn default_calls(e: &sqlparser::ast::Expr) -> Option<Result<String, String>> {
    use sqlparser::ast::{visit_expressions, Expr};
    use std::ops::ControlFlow;
    const VOLATILE: &[&str] = &[
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "txid_current",
        "pg_current_xact_id",
        "setseed",
    ];
    let mut found = None;
    let _ = visit_expressions(e, |x| {
        if let Expr::Function(f) = x {
            let name = f
                .name
                .0
                .last()
                .map(|p| p.to_string().trim_matches('"').to_lowercase())
                .unwrap_or_default();
            if VOLATILE.contains(&name.as_str()) {
                found = Some(Err(format!("{name}()")));
                return ControlFlow::Break(());
            }
            if !NON_VOLATILE.contains(&name.as_str()) && found.is_none() {
                found = Some(Ok(format!("{name}()")));
            }
        }
        ControlFlow::Continue(())
    });
    found
}

fn column_info(cd: &ColumnDef) -> ColumnInfo {
    let spelled = cd.data_type.to_string();
    let (data_type, serial) = match map_type(&spelled) {
        Ok((t, s)) => (Some(t), s),
        Err(_) => (None, false),
    };
    let mut c = ColumnInfo {
        name: ident(&cd.name),
        data_type,
        spelled_type: spelled,
        not_null: false,
        has_default: false,
        filled: serial,
        rewrites: serial.then(|| format!("the {} column's sequence default", cd.data_type)),
        unknown_default_call: None,
    };
    for o in &cd.options {
        match &o.option {
            ColumnOption::NotNull => c.not_null = true,
            ColumnOption::PrimaryKey(_) => c.not_null = true,
            ColumnOption::Default(e) => {
                c.has_default = true;
                match default_calls(e) {
                    Some(Err(f)) => c.rewrites = Some(format!("the volatile default {f}")),
                    Some(Ok(f)) => c.unknown_default_call = Some(f),
                    None => {}
                }
            }
            ColumnOption::Identity(_) => {
                c.filled = true;
                c.rewrites = Some("the identity column's values".into());
            }
            ColumnOption::Generated {
                generation_expr_mode,
                generation_expr,
                ..
            } => {
                c.filled = true;
                let virtual_ = matches!(
                    generation_expr_mode,
                    Some(sqlparser::ast::GeneratedExpressionMode::Virtual)
                );
                if generation_expr.is_some() && !virtual_ {
                    c.rewrites = Some("the stored generated column's values".into());
                } else if generation_expr.is_none() {
                    c.rewrites = Some("the identity column's values".into());
                }
            }
            ColumnOption::DialectSpecific(tokens)
                if tokens.iter().any(|t| {
                    let t = t.to_string();
                    t.eq_ignore_ascii_case("AUTOINCREMENT")
                        || t.eq_ignore_ascii_case("AUTO_INCREMENT")
                }) =>
            {
                c.filled = true
            }
            _ => {}
        }
    }
    c
}

/// Parses one statement in the syntax of `dialect` (a canonical name; none: generic)
/// into its operations.
pub fn statement_ops(sql: &str, dialect: Option<&str>) -> Result<Vec<Op>, String> {
    let dialect: Box<dyn SqlDialect> = match dialect {
        Some("mysql") => Box::new(MySqlDialect {}),
        // `ALTER … TYPE … USING` is PostgreSQL's own.
        Some("postgres") => Box::new(PostgreSqlDialect {}),
        _ => Box::new(GenericDialect {}),
    };
    let stmts = match Parser::parse_sql(dialect.as_ref(), sql) {
        Ok(s) => s,
        Err(e) => {
            if let Some(bare) = without_data_clause(sql) {
                return statement_ops(bare, Some("postgres"));
            }
            return unparsed_ops(sql).ok_or_else(|| {
                e.to_string()
                    .trim_start_matches("sql parser error: ")
                    .to_string()
            });
        }
    };
    let mut out = Vec::new();
    for s in stmts {
        ops_of(s, &mut out);
    }
    Ok(out)
}

/// PostgreSQL statements sqlparser cannot read, known from their leading words: what
/// their rules need holds there (`DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`,
/// `CLUSTER`, `VACUUM (FULL)`, and `ALTER TABLE … RENAME CONSTRAINT`, a catalog-only
/// change sqlparser reads as a column rename).
fn unparsed_ops(sql: &str) -> Option<Vec<Op>> {
    let words = super::kind::leading_words(sql, 8);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    // MySQL `ALTER TABLE t ROW_FORMAT=… KEY_BLOCK_SIZE=…`: options that copy the table.
    let copying_option = |o: &[&str]| matches!(o, [k, "=", _] if ["ENGINE", "ROW_FORMAT", "KEY_BLOCK_SIZE"].contains(k));
    let long = super::kind::leading_words(sql, 32);
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let options = long.get(3..).unwrap_or_default();
    if long.len() > 3
        && long.len() < 32
        && long[..2] == ["ALTER", "TABLE"]
        && options.len() % 3 == 0
        && options.chunks(3).all(copying_option)
    {
        return Some(vec![Op::Rewrite {
            table: None,
            what: "changing the table's ENGINE, ROW_FORMAT or KEY_BLOCK_SIZE".into(),
        }]);
    }
    let renames_constraint = w.windows(2).any(|p| p == ["RENAME", "CONSTRAINT"]);
    let concurrently = w.contains(&"CONCURRENTLY");
    let op = match w.as_slice() {
        ["DROP", "INDEX", "CONCURRENTLY", ..] => Op::DropIndex {
            names: Vec::new(),
            concurrently: true,
        },
        ["ALTER", "TABLE", ..] if renames_constraint => Op::Other,
        ["REINDEX", ..] if concurrently => Op::Other,
        ["REINDEX", ..] => Op::Reindex,
        ["CLUSTER", ..] => Op::Rewrite {
            table: None,
            what: "CLUSTER".into(),
        },
        ["VACUUM", ..]
            if w.iter()
                .any(|x| x.trim_matches(|c| c == '(' || c == ')' || c == ',') == "FULL") =>
        {
            Op::Rewrite {
                table: None,
                what: "VACUUM FULL".into(),
            }
        }
        _ => return None,
    };
    Some(vec![op])
}

/// `CREATE MATERIALIZED VIEW … WITH [NO] DATA` without its last clause, which sqlparser
/// does not read (and no rule needs).
fn without_data_clause(sql: &str) -> Option<&str> {
    let words = super::kind::leading_words(sql, 3);
    if words != ["CREATE", "MATERIALIZED", "VIEW"] {
        return None;
    }
    let t = sql.trim_end().trim_end_matches(';').trim_end();
    let upper = t.to_ascii_uppercase();
    ["WITH NO DATA", "WITH DATA"]
        .iter()
        .find(|c| upper.ends_with(*c))
        .map(|c| t[..t.len() - c.len()].trim_end())
}

fn ops_of(s: Statement, out: &mut Vec<Op>) {
    match s {
        Statement::CreateTable(ct) => out.push(Op::CreateTable {
            table: qname(&ct.name),
            columns: ct.columns.iter().map(column_info).collect(),
            partitioned: ct.partition_by.is_some(),
        }),
        // A materialized view holds rows and takes indexes like a table; one created in
        // the same file is empty until the file commits.
        Statement::CreateView(v) if v.materialized => out.push(Op::CreateTable {
            table: qname(&v.name),
            columns: Vec::new(),
            partitioned: false,
        }),
        Statement::Drop {
            object_type: ObjectType::Table,
            names,
            ..
        } => {
            for n in names {
                out.push(Op::DropTable { table: qname(&n) });
            }
        }
        Statement::Truncate(sqlparser::ast::Truncate { table_names, .. }) => {
            for t in table_names {
                out.push(Op::DropTable {
                    table: qname(&t.name),
                });
            }
        }
        Statement::Drop {
            object_type: ObjectType::Index,
            names,
            ..
        } => out.push(Op::DropIndex {
            names: names.iter().map(qname).collect(),
            concurrently: false,
        }),
        Statement::Vacuum(v) if v.full => out.push(Op::Rewrite {
            table: v.table_name.as_ref().map(qname),
            what: "VACUUM FULL".into(),
        }),
        Statement::RefreshMaterializedView(r) if !r.concurrently => out.push(Op::RefreshBlocking {
            view: qname(&r.name),
        }),
        Statement::Set(sqlparser::ast::Set::SingleAssignment {
            variable, values, ..
        }) if variable.to_string().eq_ignore_ascii_case("lock_timeout") => {
            let v = values
                .first()
                .map(|v| v.to_string().trim_matches('\'').to_ascii_lowercase())
                .unwrap_or_default();
            let off = v == "default"
                || v.trim_end_matches(|c: char| c.is_ascii_alphabetic())
                    .trim()
                    .parse::<f64>()
                    .is_ok_and(|n| n == 0.0);
            out.push(if off { Op::LockTimeoutOff } else { Op::Other })
        }
        Statement::Reset(r) => {
            let what = format!("{r}").to_ascii_lowercase();
            out.push(
                if what.ends_with(" all") || what.ends_with(" lock_timeout") {
                    Op::LockTimeoutOff
                } else {
                    Op::Other
                },
            )
        }
        Statement::CreateIndex(ci) => out.push(Op::CreateIndex {
            table: qname(&ci.table_name),
            name: ci.name.as_ref().map(|n| qname(n).name),
            unique: ci.unique,
            concurrently: ci.concurrently,
        }),
        Statement::RenameTable(list) => {
            for r in list {
                out.push(Op::RenameTable {
                    from: qname(&r.old_name),
                    to: qname(&r.new_name),
                });
            }
        }
        Statement::AlterTable(sqlparser::ast::AlterTable {
            name, operations, ..
        }) => {
            let table = qname(&name);
            for op in operations {
                alter_op(&table, op, out);
            }
        }
        _ => out.push(Op::Other),
    }
}

fn alter_op(table: &QName, op: AlterTableOperation, out: &mut Vec<Op>) {
    let t = || table.clone();
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => out.push(Op::AddColumn {
            table: t(),
            column: column_info(&column_def),
        }),
        AlterTableOperation::DropColumn { column_names, .. } => {
            for c in column_names {
                out.push(Op::DropColumn {
                    table: t(),
                    column: ident(&c),
                });
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.push(Op::RenameColumn {
            table: t(),
            from: ident(&old_column_name),
            to: ident(&new_column_name),
        }),
        AlterTableOperation::RenameTable { table_name } => {
            let n = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
            };
            let mut to = qname(&n);
            if to.schema.is_empty() {
                to.schema.clone_from(&table.schema);
            }
            out.push(Op::RenameTable { from: t(), to })
        }
        AlterTableOperation::AlterColumn {
            column_name,
            op:
                AlterColumnOperation::SetDataType {
                    data_type, using, ..
                },
        } => {
            let spelled = data_type.to_string();
            out.push(Op::AlterType {
                table: t(),
                column: ident(&column_name),
                to: map_type(&spelled).ok().map(|(t, _)| t),
                spelled,
                using: using.is_some(),
            })
        }
        AlterTableOperation::AlterColumn {
            column_name,
            op: AlterColumnOperation::SetNotNull,
        } => out.push(Op::SetNotNull {
            table: t(),
            column: ident(&column_name),
        }),
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            ..
        } => {
            let spelled = data_type.to_string();
            out.push(Op::AlterType {
                table: t(),
                column: ident(&col_name),
                to: map_type(&spelled).ok().map(|(t, _)| t),
                spelled,
                using: false,
            })
        }
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            ..
        } => {
            let (from, to) = (ident(&old_name), ident(&new_name));
            let spelled = data_type.to_string();
            out.push(Op::AlterType {
                table: t(),
                column: from.clone(),
                to: map_type(&spelled).ok().map(|(t, _)| t),
                spelled,
                using: false,
            });
            if from != to {
                out.push(Op::RenameColumn {
                    table: t(),
                    from,
                    to,
                });
            }
        }
        AlterTableOperation::AddConstraint {
            constraint,
            not_valid,
        } => {
            let add = |name: &Option<sqlparser::ast::Ident>, kind| Op::AddConstraint {
                table: t(),
                name: name.as_ref().map(ident),
                kind,
                not_valid,
            };
            let unique =
                |name: &Option<sqlparser::ast::Ident>, primary, using_index| Op::AddUnique {
                    table: t(),
                    name: name.as_ref().map(ident),
                    primary,
                    using_index,
                };
            out.push(match &constraint {
                TableConstraint::Unique(c) => unique(&c.name, false, false),
                TableConstraint::PrimaryKey(c) => unique(&c.name, true, false),
                TableConstraint::UniqueUsingIndex(c) => unique(&c.name, false, true),
                TableConstraint::PrimaryKeyUsingIndex(c) => unique(&c.name, true, true),
                TableConstraint::ForeignKey(c) => add(&c.name, ConstraintKind::ForeignKey),
                TableConstraint::Check(c) => add(
                    &c.name,
                    ConstraintKind::Check {
                        not_null_of: match c.expr.as_ref() {
                            sqlparser::ast::Expr::IsNotNull(e) => match e.as_ref() {
                                sqlparser::ast::Expr::Identifier(i) => Some(ident(i)),
                                _ => None,
                            },
                            _ => None,
                        },
                    },
                ),
                _ => Op::Other,
            })
        }
        AlterTableOperation::ValidateConstraint { name } => out.push(Op::ValidateConstraint {
            table: t(),
            name: ident(&name),
        }),
        AlterTableOperation::SetLogged | AlterTableOperation::SetUnlogged => {
            out.push(Op::Rewrite {
                table: Some(t()),
                what: "SET LOGGED/UNLOGGED".into(),
            })
        }
        _ => out.push(Op::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(sql: &str) -> Vec<Op> {
        statement_ops(sql, None).unwrap_or_default()
    }

    #[test]
    fn reads_the_statements_lint_cares_about() {
        assert!(matches!(
            ops("DROP TABLE a, b")[..],
            [Op::DropTable { .. }, Op::DropTable { .. }]
        ));
        assert!(matches!(
            &ops("CREATE INDEX CONCURRENTLY i ON t (a)")[..],
            [Op::CreateIndex {
                concurrently: true,
                unique: false,
                ..
            }]
        ));
        assert!(matches!(
            &ops("ALTER TABLE t RENAME COLUMN a TO b")[..],
            [Op::RenameColumn { .. }]
        ));
        assert!(matches!(
            &ops("ALTER TABLE t ADD COLUMN c INTEGER NOT NULL")[..],
            [Op::AddColumn {
                column: ColumnInfo {
                    not_null: true,
                    has_default: false,
                    ..
                },
                ..
            }]
        ));
        assert!(matches!(
            &ops("ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(10)")[..],
            [Op::AlterType {
                to: Some(DataType::Varchar(Some(10))),
                ..
            }]
        ));
        assert_eq!(ops("INSERT INTO t VALUES (1)"), vec![Op::Other]);
        assert!(statement_ops("CREATE TABLBE x", None).is_err());
    }
}
