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
use sqlparser::dialect::{Dialect as SqlDialect, GenericDialect, MySqlDialect};
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
}

/// What a statement does, as far as lint rules care.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    CreateTable {
        table: QName,
        columns: Vec<ColumnInfo>,
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
    },
    AddUnique {
        table: QName,
        name: Option<String>,
    },
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
    };
    for o in &cd.options {
        match &o.option {
            ColumnOption::NotNull => c.not_null = true,
            ColumnOption::PrimaryKey(_) => c.not_null = true,
            ColumnOption::Default(_) => c.has_default = true,
            ColumnOption::Generated { .. } | ColumnOption::Identity(_) => c.filled = true,
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

/// Parses one statement (`mysql` picks MySQL syntax) into its operations.
pub fn statement_ops(sql: &str, mysql: bool) -> Result<Vec<Op>, String> {
    let dialect: Box<dyn SqlDialect> = if mysql {
        Box::new(MySqlDialect {})
    } else {
        Box::new(GenericDialect {})
    };
    let stmts = Parser::parse_sql(dialect.as_ref(), sql).map_err(|e| {
        e.to_string()
            .trim_start_matches("sql parser error: ")
            .to_string()
    })?;
    let mut out = Vec::new();
    for s in stmts {
        ops_of(s, &mut out);
    }
    Ok(out)
}

fn ops_of(s: Statement, out: &mut Vec<Op>) {
    match s {
        Statement::CreateTable(ct) => out.push(Op::CreateTable {
            table: qname(&ct.name),
            columns: ct.columns.iter().map(column_info).collect(),
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
            op: AlterColumnOperation::SetDataType { data_type, .. },
        } => {
            let spelled = data_type.to_string();
            out.push(Op::AlterType {
                table: t(),
                column: ident(&column_name),
                to: map_type(&spelled).ok().map(|(t, _)| t),
                spelled,
            })
        }
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
            constraint: TableConstraint::Unique(sqlparser::ast::UniqueConstraint { name, .. }),
            ..
        } => out.push(Op::AddUnique {
            table: t(),
            name: name.as_ref().map(ident),
        }),
        _ => out.push(Op::Other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(sql: &str) -> Vec<Op> {
        statement_ops(sql, false).unwrap_or_default()
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
        assert!(statement_ops("CREATE TABLBE x", false).is_err());
    }
}
