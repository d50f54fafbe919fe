//! MySQL normalization: map what MySQL lacks, and make both sides spell the same thing the
//! same way (primary keys are always `PRIMARY`, plain unique indexes are unique keys,
//! `NO ACTION` is `RESTRICT`, `DEFAULT NULL` is no default).

use super::introspect::{CHARSET, COLLATION, DEFAULT_COLLATION, ENGINE, FLAVOR};
use crate::model::{generated_name, DataType, Expr, FkAction, IndexKey, Schema, Unique};

fn note(notes: &mut Vec<String>, n: String) {
    if !notes.contains(&n) {
        notes.push(n);
    }
}

/// MySQL's nearest type for one it lacks; the note says what meaning is lost.
fn map_type(t: &DataType, enums: &Schema) -> (DataType, Option<&'static str>) {
    use DataType::*;
    match t {
        Jsonb => (Json, None),
        Uuid => (Char(Some(36)), Some("UUID is stored as CHAR(36)")),
        Interval => (Varchar(Some(64)), Some("INTERVAL is stored as VARCHAR(64)")),
        Other(_) => (
            Text,
            Some("types MySQL lacks (inet, money, …) are stored as TEXT"),
        ),
        Array(_) => (Json, Some("arrays are stored as JSON")),
        Numeric(None) => (
            Numeric(Some((65, Some(30)))),
            Some("unconstrained NUMERIC is DECIMAL(65,30)"),
        ),
        Varchar(None) => (Text, Some("VARCHAR without a length is TEXT")),
        Bytes => (SizedBlob(crate::model::Size::Long), None),
        Time { tz: true } => (
            Time { tz: false },
            Some("TIME WITH TIME ZONE keeps no zone"),
        ),
        Named(q) => match enums
            .enums
            .get(q)
            .or_else(|| enums.enums.values().find(|e| e.name.name == q.name))
        {
            Some(e) => (InlineEnum(e.values.clone()), None),
            None => (Text, Some("unknown named types are stored as TEXT")),
        },
        other => (other.clone(), None),
    }
}

fn expr(text: &str) -> Option<Expr> {
    crate::parse::expr(text).ok()
}

/// MariaDB stores `length(x)` as `octet_length(x)`, which is what LENGTH means in MySQL.
fn mysql_canon(e: &mut Expr) {
    e.canon = e.canon.replace("octet_length(", "length(");
}

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    crate::dialect::drop_sqlite_options(s, "mysql", notes);
    for name in std::mem::take(&mut s.schemas) {
        note(
            notes,
            format!("mysql: schema `{name}` is ignored; objects live in the connected database"),
        );
    }
    for name in std::mem::take(&mut s.extensions) {
        note(notes, format!("mysql: extension `{name}` is ignored"));
    }
    for (name, _) in std::mem::take(&mut s.sequences) {
        note(
            notes,
            format!("mysql: sequence `{name}` is ignored (use AUTO_INCREMENT)"),
        );
    }
    let types = Schema {
        enums: std::mem::take(&mut s.enums),
        ..Schema::default()
    };
    let tables = std::mem::take(&mut s.tables);
    for (_, mut t) in tables {
        t.name.schema.clear();
        let tname = t.name.name.clone();
        for c in &mut t.columns {
            let (mapped, lost) = map_type(&c.data_type, &types);
            if let Some(l) = lost {
                note(notes, format!("mysql: {l}"));
            }
            c.data_type = mapped;
            if c.serial || c.identity.is_some() {
                c.serial = false;
                c.identity = None;
                c.autoincrement = true;
            }
            if c.autoincrement {
                c.nullable = false;
            }
            // `DEFAULT NULL` on a nullable column is no default at all.
            if c.default
                .as_ref()
                .is_some_and(|d| d.canon.eq_ignore_ascii_case("null"))
            {
                c.default = None;
            }
            if c.data_type == DataType::Boolean {
                if let Some(d) = &c.default {
                    let v = match d.canon.as_str() {
                        "true" => expr("1"),
                        "false" => expr("0"),
                        _ => None,
                    };
                    if v.is_some() {
                        c.default = v;
                    }
                }
            }
            if c.generated.is_some() {
                c.default = None;
            }
            for e in [
                c.default.as_mut(),
                c.generated.as_mut().map(|g| &mut g.expr),
            ]
            .into_iter()
            .flatten()
            {
                mysql_canon(e);
            }
            if !is_text(&c.data_type) {
                c.charset = None;
                c.collation = None;
            }
        }
        if let Some(pk) = &mut t.primary_key {
            pk.name = generated_name(&tname, &[], "pkey", 63);
            for col in &pk.columns {
                if let Some(c) = t.columns.iter_mut().find(|c| &c.name == col) {
                    c.nullable = false;
                }
            }
        }
        for f in &mut t.foreign_keys {
            f.ref_table.schema.clear();
            if f.on_delete == FkAction::NoAction {
                f.on_delete = FkAction::Restrict;
            }
            if f.on_update == FkAction::NoAction {
                f.on_update = FkAction::Restrict;
            }
            if f.deferrable {
                note(
                    notes,
                    format!(
                        "mysql: foreign key {} cannot be DEFERRABLE; it is checked immediately",
                        f.name
                    ),
                );
                f.deferrable = false;
                f.initially_deferred = false;
            }
        }
        let mut kept = Vec::new();
        for mut i in std::mem::take(&mut t.indexes) {
            if i.predicate.take().is_some() {
                note(
                    notes,
                    format!(
                        "mysql: partial index {} covers every row (MySQL has no partial indexes)",
                        i.name
                    ),
                );
            }
            match i.method.as_deref() {
                None | Some("fulltext") | Some("spatial") => {}
                Some(m) => {
                    note(
                        notes,
                        format!(
                            "mysql: index method {m} of {} is ignored (InnoDB uses BTREE)",
                            i.name
                        ),
                    );
                    i.method = None;
                }
            }
            for p in &mut i.parts {
                p.opclass = None;
                p.nulls_first = None;
                // MariaDB indexes a whole TEXT/BLOB column by its longest prefix
                // (3072 bytes); that prefix is what "no length" means there.
                if let IndexKey::Column(c) = &p.key {
                    let long = t.columns.iter().any(|x| {
                        &x.name == c
                            && matches!(
                                x.data_type,
                                DataType::Text
                                    | DataType::SizedText(_)
                                    | DataType::SizedBlob(_)
                                    | DataType::Json
                            )
                    });
                    if long && matches!(p.length, Some(768 | 1024 | 3072)) {
                        p.length = None;
                    }
                }
            }
            let plain = i.method.is_none()
                && i.parts
                    .iter()
                    .all(|p| matches!(p.key, IndexKey::Column(_)) && p.length.is_none() && !p.desc);
            if i.unique && plain {
                t.uniques.push(Unique {
                    name: i.name.clone(),
                    columns: i.columns().map(str::to_string).collect(),
                });
            } else {
                kept.push(i);
            }
        }
        t.indexes = kept;
        for c in &mut t.checks {
            mysql_canon(&mut c.expr);
        }
        implicit_fk_indexes(&mut t);

        t.sort_members();
        s.tables.insert(t.name.clone(), t);
    }
    let views = std::mem::take(&mut s.views);
    for (_, mut v) in views {
        v.name.schema.clear();
        if v.materialized {
            note(
                notes,
                format!(
                    "mysql: materialized view `{}` becomes a plain view",
                    v.name.name
                ),
            );
            v.materialized = false;
        }
        v.comment = None;
        v.query.sql = crate::parse::to_portable(&v.query.sql);
        mysql_canon(&mut v.query);
        v.depends_on = v
            .depends_on
            .into_iter()
            .map(|mut d| {
                d.schema.clear();
                d
            })
            .collect();
        s.views.insert(v.name.clone(), v);
    }
    strip_defaults(s);
}

/// InnoDB creates an index named after a foreign key when no index starts with the key's
/// columns; the desired side gets the same index so both sides agree.
fn implicit_fk_indexes(t: &mut crate::model::Table) {
    let mut add = Vec::new();
    for fk in &t.foreign_keys {
        let starts_with = |cols: Vec<&str>| {
            cols.len() >= fk.columns.len() && cols.iter().zip(&fk.columns).all(|(a, b)| a == b)
        };
        let covered = t
            .primary_key
            .as_ref()
            .is_some_and(|p| starts_with(p.columns.iter().map(String::as_str).collect()))
            || t.uniques
                .iter()
                .any(|u| starts_with(u.columns.iter().map(String::as_str).collect()))
            || t.indexes.iter().any(|i| {
                i.method.is_none()
                    && starts_with(
                        i.parts
                            .iter()
                            .map(|p| match &p.key {
                                IndexKey::Column(c) => c.as_str(),
                                IndexKey::Expr(_) => "",
                            })
                            .collect(),
                    )
            })
            || add.iter().any(|i: &crate::model::Index| i.name == fk.name);
        if !covered {
            add.push(crate::model::Index {
                name: fk.name.clone(),
                unique: false,
                parts: fk
                    .columns
                    .iter()
                    .map(|c| crate::model::IndexPart {
                        key: IndexKey::Column(c.clone()),
                        desc: false,
                        nulls_first: None,
                        opclass: None,
                        length: None,
                    })
                    .collect(),
                predicate: None,
                method: None,
            });
        }
    }
    t.indexes.extend(add);
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Text
            | DataType::Varchar(_)
            | DataType::Char(_)
            | DataType::SizedText(_)
            | DataType::InlineEnum(_)
            | DataType::Set(_)
    )
}

/// Drops table and column options that only repeat what they would inherit, using the
/// database defaults in `defaults` (present on an introspected schema, or copied onto the
/// desired one by `reconcile`).
pub fn strip_defaults(s: &mut Schema) {
    let d = s.defaults.clone();
    let Some(db_charset) = d.get(CHARSET).cloned() else {
        return;
    };
    let db_collation = d.get(COLLATION).cloned();
    let default_of = |cs: &str| d.get(&format!("{DEFAULT_COLLATION}{cs}")).cloned();
    let engine = d.get(ENGINE).cloned();
    for t in s.tables.values_mut() {
        if t.engine.is_some() && t.engine == engine {
            t.engine = None;
        }
        if t.charset.is_none() {
            if let Some(col) = &t.collation {
                t.charset = col.split('_').next().map(str::to_string);
            }
        }
        let table_charset = t.charset.clone().unwrap_or_else(|| db_charset.clone());
        let table_collation = t.collation.clone().or_else(|| {
            if t.charset.is_none() {
                db_collation.clone()
            } else {
                default_of(&table_charset)
            }
        });
        if t.charset.as_deref() == Some(db_charset.as_str()) {
            t.charset = None;
        }
        let inherited = if t.charset.is_none() {
            db_collation.clone()
        } else {
            default_of(&table_charset)
        };
        if t.collation.is_some() && t.collation == inherited {
            t.collation = None;
        }
        for c in &mut t.columns {
            if c.charset.is_none() {
                if let Some(col) = &c.collation {
                    c.charset = col.split('_').next().map(str::to_string);
                }
            }
            let col_charset = c.charset.clone().unwrap_or_else(|| table_charset.clone());
            let inherited = if col_charset == table_charset {
                table_collation.clone()
            } else {
                default_of(&col_charset)
            };
            if c.charset.as_deref() == Some(table_charset.as_str()) {
                c.charset = None;
            }
            if c.collation.is_some() && c.collation == inherited {
                c.collation = None;
            }
            if matches!(c.data_type, DataType::Json) {
                c.charset = None;
                c.collation = None;
            }
        }
    }
}

/// True when the live server is MariaDB (which lacks functional index parts).
pub fn is_mariadb(s: &Schema) -> bool {
    s.defaults.get(FLAVOR).is_some_and(|f| f == "mariadb")
}
