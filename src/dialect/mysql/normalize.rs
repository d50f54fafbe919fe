//! MySQL normalization: map what MySQL lacks, and make both sides spell the same thing the
//! same way (primary keys are always `PRIMARY`, plain unique indexes are unique keys,
//! an action left out is `RESTRICT`, `DEFAULT NULL` is no default).

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
        Time {
            tz: true,
            precision,
        } => (
            Time {
                tz: false,
                precision: *precision,
            },
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

/// What a type name MySQL itself has means on MySQL, where that differs from the
/// canonical (PostgreSQL-flavoured) reading: `TIMESTAMP` converts time zones, `FLOAT` is
/// 4 bytes and `REAL` 8, `DECIMAL` alone is `DECIMAL(10,0)`, the national character types
/// are utf8mb3, `TEXT(n)`/`BLOB(n)` are the smallest type that holds `n`. The second value
/// is the character set the type implies.
fn native_meaning(declared: &str, parsed: &DataType) -> Option<(DataType, Option<&'static str>)> {
    use crate::model::Size;
    use DataType::*;
    let lower = declared.trim().to_ascii_lowercase();
    let (base, args) = match lower.find('(') {
        Some(at) => (lower[..at].trim(), &lower[at..]),
        None => (lower.as_str(), ""),
    };
    let words: Vec<&str> = base
        .split_whitespace()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect();
    let base = words.join(" ");
    let base = base.as_str();
    let n: Option<u64> = args
        .trim_start_matches('(')
        .split([',', ')'])
        .next()
        .and_then(|a| a.trim().parse().ok());
    let sized = |bytes: u64, blob: bool| {
        let size = match bytes {
            0..=255 => Size::Tiny,
            256..=65_535 => Size::Regular,
            65_536..=16_777_215 => Size::Medium,
            _ => Size::Long,
        };
        match (blob, size) {
            (false, Size::Regular) => Text,
            (false, s) => SizedText(s),
            (true, s) => SizedBlob(s),
        }
    };
    let ty = match base {
        "timestamp" => match parsed {
            Timestamp { precision, .. } => Timestamp {
                tz: true,
                precision: *precision,
            },
            _ => return None,
        },
        "float" if args.is_empty() || args.contains(',') => Real,
        "real" => Double,
        "decimal" | "numeric" | "dec" | "fixed" if args.is_empty() => Numeric(Some((10, Some(0)))),
        // MySQL sizes TEXT(n) for n characters of the column's character set; four bytes
        // a character (utf8mb4) is the widest, so the type is never too small.
        "text" => sized(n? * 4, false),
        "blob" => sized(n?, true),
        "long varchar" | "long" | "long char varying" | "long character varying" => {
            SizedText(Size::Medium)
        }
        "long varbinary" => SizedBlob(Size::Medium),
        "nvarchar"
        | "national varchar"
        | "nchar varchar"
        | "national character varying"
        | "national char varying"
        | "nchar varying" => return Some((parsed.clone(), Some("utf8mb3"))),
        "nchar" | "national char" | "national character" => {
            return Some((parsed.clone(), Some("utf8mb3")))
        }
        _ => return None,
    };
    let ty = match parsed {
        Unsigned(_) => Unsigned(Box::new(ty)),
        _ => ty,
    };
    Some((ty, None))
}

/// `utf8` is an alias: MariaDB 10.6+ and MySQL 8 store it as `utf8mb3`.
fn charset_alias(name: &mut Option<String>) {
    if let Some(n) = name {
        if n == "utf8" {
            *n = "utf8mb3".into();
        } else if let Some(rest) = n.strip_prefix("utf8_") {
            *n = format!("utf8mb3_{rest}");
        }
    }
}

fn expr(text: &str) -> Option<Expr> {
    crate::parse::expr(text).ok()
}

/// MariaDB stores synonyms under one name: `length(x)` as `octet_length(x)` (what LENGTH
/// means in MySQL), `upper`/`lower` as `ucase`/`lcase`, `LOCALTIMESTAMP`/`LOCALTIME` as
/// `current_timestamp()`, a bit value without its leading zeros (`b'101'`), and
/// `count(*)` as `count(0)`.
fn mysql_canon(e: &mut Expr) {
    // Most expressions hold none of these: look once before rewriting.
    let lower = e.canon.to_ascii_lowercase();
    if !["length(", "count(", "case(", "local", "b'"]
        .iter()
        .any(|w| lower.contains(w))
    {
        return;
    }
    let mut c = e.canon.replace("octet_length(", "length(");
    c = replace_word(&c, "count(*)", "count(0)");
    c = replace_word(&c, "ucase(", "upper(");
    c = replace_word(&c, "lcase(", "lower(");
    for synonym in [
        "localtimestamp()",
        "localtime()",
        "localtimestamp",
        "localtime",
    ] {
        c = replace_word(&c, synonym, "current_timestamp");
    }
    e.canon = short_bit_literals(&c);
}

/// A view as MariaDB's catalog prints it: column names are case-insensitive (an alias `ID`
/// is the file's `AS ID` and the catalog's `` AS `ID` ``, which the schema language reads
/// as `id` and `ID`), and `information_schema.VIEWS` drops every character set introducer
/// (`_utf8' '`, `N'x'`) from string literals. Literals themselves are kept as they are.
fn view_canon(canon: &str) -> String {
    let mut out = String::with_capacity(canon.len());
    let chars: Vec<char> = canon.chars().collect();
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            // A literal runs to the next lone quote; `''` stands for one quote inside it.
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        out.push('\'');
                        i += 1;
                    } else {
                        break;
                    }
                }
                i += 1;
            }
            i += 1;
            continue;
        }
        let at_word_start = i == 0 || !word(chars[i - 1]);
        if at_word_start && (c == '_' || c == 'N' || c == 'n') {
            let mut end = i + 1;
            if c == '_' {
                while end < chars.len() && chars[end].is_ascii_alphanumeric() {
                    end += 1;
                }
                if end > i + 1 && chars.get(end) == Some(&' ') {
                    end += 1;
                }
            }
            let introducer = end > i + 1 || c != '_';
            if introducer && chars.get(end) == Some(&'\'') {
                i = end;
                continue;
            }
        }
        out.extend(c.to_lowercase());
        i += 1;
    }
    out
}

/// Replaces `from` where it is not part of a longer name.
fn replace_word(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(at) = lower[i..].find(from).map(|k| k + i) {
        let before = text[..at].chars().next_back();
        let after = text[at + from.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&text[i..at]);
        if word(before) || (!from.ends_with('(') && !from.ends_with(')') && word(after)) {
            out.push_str(&text[at..at + from.len()]);
        } else {
            out.push_str(to);
        }
        i = at + from.len();
    }
    out.push_str(&text[i..]);
    out
}

/// `B'00000101'` → `b'101'`, as MariaDB stores a bit value.
fn short_bit_literals(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let Some(at) = rest.find(['b', 'B']) else {
            out.push_str(rest);
            return out;
        };
        let tail = &rest[at + 1..];
        let prev_word = rest[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '\'');
        let digits = tail
            .strip_prefix('\'')
            .and_then(|t| t.find('\'').map(|end| &t[..end]))
            .filter(|d| !d.is_empty() && d.chars().all(|c| c == '0' || c == '1'));
        match digits {
            Some(d) if !prev_word => {
                out.push_str(&rest[..at]);
                let short = d.trim_start_matches('0');
                out.push_str(&format!(
                    "b'{}'",
                    if short.is_empty() { "0" } else { short }
                ));
                rest = &tail[d.len() + 2..];
            }
            _ => {
                out.push_str(&rest[..=at]);
                rest = tail;
            }
        }
    }
}

pub fn normalize(s: &mut Schema, notes: &mut Vec<String>) {
    crate::dialect::expand_view_stars(s, true);
    crate::dialect::drop_sqlite_options(s, "mysql", notes);
    crate::dialect::drop_postgres_clauses(s, "mysql", notes);
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
    crate::dialect::inline_domains(s, "mysql", notes);
    crate::dialect::drop_postgres_types(s, "mysql", notes);
    let types = Schema {
        enums: std::mem::take(&mut s.enums),
        ..Schema::default()
    };
    let tables = std::mem::take(&mut s.tables);
    for (_, mut t) in tables {
        t.name.schema.clear();
        let tname = t.name.name.clone();
        charset_alias(&mut t.charset);
        charset_alias(&mut t.collation);
        // `ROW_FORMAT=DEFAULT` and `KEY_BLOCK_SIZE=0` ask for the server's default.
        if t.row_format.as_deref() == Some("default") {
            t.row_format = None;
        }
        if t.key_block_size == Some(0) {
            t.key_block_size = None;
        }
        for c in &mut t.columns {
            if let Some((ty, charset)) = c
                .declared
                .as_deref()
                .and_then(|d| native_meaning(d, &c.data_type))
            {
                c.data_type = ty;
                if let (Some(cs), None) = (charset, &c.charset) {
                    c.charset = Some(cs.to_string());
                }
            }
            charset_alias(&mut c.charset);
            // Collation names are case-insensitive; a quoted one keeps the file's case.
            if let Some(n) = &mut c.collation {
                n.make_ascii_lowercase();
            }
            charset_alias(&mut c.collation);
            // DECIMAL(p) has scale 0.
            if let DataType::Numeric(Some((p, None))) = c.data_type {
                c.data_type = DataType::Numeric(Some((p, Some(0))));
            }
            if let Some(d) = &c.declared {
                c.data_type = super::types::native_digits(d, c.data_type.clone());
            }
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
            // mysqldump quotes numeric defaults (`DEFAULT '0'`); the server stores the number.
            if is_numeric(&c.data_type) {
                let number = c.default.as_ref().and_then(|d| {
                    let v = d.canon.strip_prefix('\'')?.strip_suffix('\'')?;
                    v.trim().parse::<f64>().ok().map(|_| v.trim().to_string())
                });
                if let Some(n) = number.and_then(|n| expr(&n)) {
                    c.default = Some(n);
                }
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
        let unnamed_fks = native_names(&mut t);
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
            // Left out, the action is RESTRICT on MySQL; a written NO ACTION is kept (the
            // server stores and prints it).
            if f.unspecified.0 {
                f.on_delete = FkAction::Restrict;
            }
            if f.unspecified.1 {
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
                // Kept as written in `using`; InnoDB builds a BTREE either way.
                Some("hash") => i.method = None,
                Some(m) => {
                    note(
                        notes,
                        format!(
                            "mysql: index method {m} of {} is ignored (InnoDB uses BTREE)",
                            i.name
                        ),
                    );
                    i.method = None;
                    i.using = None;
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
                && i.comment.is_none()
                && i.parts
                    .iter()
                    .all(|p| matches!(p.key, IndexKey::Column(_)) && p.length.is_none() && !p.desc);
            if i.unique && plain {
                t.uniques.push(Unique {
                    name: i.name.clone(),
                    columns: i.columns().map(str::to_string).collect(),
                    nulls_not_distinct: false,
                    deferrable: false,
                    initially_deferred: false,
                });
            } else {
                kept.push(i);
            }
        }
        t.indexes = kept;
        for e in t
            .checks
            .iter_mut()
            .map(|c| &mut c.expr)
            .chain(t.columns.iter_mut().filter_map(|c| c.check.as_mut()))
        {
            mysql_canon(e);
        }
        implicit_fk_indexes(&mut t, &unnamed_fks);

        // Members keep their declaration order, which the table is created in (MariaDB lists
        // keys and constraints so); plans match members by name, never by position.
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
        // The server's defaults are what a file that does not say means.
        if v.algorithm.as_deref() == Some("undefined") {
            v.algorithm = None;
        }
        if v.security.as_deref() == Some("definer") {
            v.security = None;
        }
        v.query.sql = crate::parse::to_portable(&v.query.sql);
        mysql_canon(&mut v.query);
        v.query.canon = view_canon(&v.query.canon);
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

/// Gives what the schema file left unnamed the name MariaDB gives it, so a database the
/// `mariadb` client built from the same file compares equal: a unique key is named after
/// its first column (`_2`, `_3` … when taken), a foreign key `<table>_ibfk_<n>`, any other
/// check `CONSTRAINT_<n>`. A check written on a column becomes part of that column, where
/// MariaDB keeps it (see `Column::check`; `column_checks_to_table` undoes this for MySQL 8,
/// which names every check `<table>_chk_<n>`; only MariaDB is tested here).
///
/// Returns the foreign keys it named: their implicit indexes are named after the column.
fn native_names(t: &mut crate::model::Table) -> Vec<String> {
    let unnamed = std::mem::take(&mut t.unnamed);
    let mut named_fks = Vec::new();
    if unnamed.is_empty() {
        return named_fks;
    }
    let is_unnamed = |n: &str| unnamed.iter().any(|u| u.name == n);
    let mut keys: Vec<String> = t
        .indexes
        .iter()
        .map(|i| i.name.clone())
        .chain(t.uniques.iter().map(|u| u.name.clone()))
        .filter(|n| !is_unnamed(n))
        .collect();
    let mut constraints: Vec<String> = t
        .foreign_keys
        .iter()
        .map(|f| f.name.clone())
        .chain(t.checks.iter().map(|c| c.name.clone()))
        .filter(|n| !is_unnamed(n))
        .collect();
    let (mut fk_n, mut check_n) = (0, 0);
    let tname = t.name.name.clone();
    for u in &unnamed {
        if let Some(k) = t.uniques.iter_mut().find(|k| k.name == u.name) {
            let base = k.columns.first().cloned().unwrap_or_default();
            let mut name = base.clone();
            let mut n = 1;
            while keys.iter().any(|x| x.eq_ignore_ascii_case(&name)) {
                n += 1;
                name = format!("{base}_{n}");
            }
            keys.push(name.clone());
            t.generated_names.remove(&k.name);
            t.generated_names.insert(name.clone());
            k.name = name;
        } else if let Some(f) = t.foreign_keys.iter_mut().find(|f| f.name == u.name) {
            let mut name;
            loop {
                fk_n += 1;
                name = format!("{tname}_ibfk_{fk_n}");
                if !constraints.contains(&name) {
                    break;
                }
            }
            constraints.push(name.clone());
            named_fks.push(name.clone());
            t.generated_names.remove(&f.name);
            t.generated_names.insert(name.clone());
            f.name = name;
        } else if let Some(at) = t.checks.iter().position(|c| c.name == u.name) {
            // MariaDB keeps an unnamed check written on a column inside that column.
            let column = u.column.as_ref().and_then(|col| {
                t.columns
                    .iter_mut()
                    .find(|c| &c.name == col && c.check.is_none())
            });
            if let Some(column) = column {
                let check = t.checks.remove(at);
                t.generated_names.remove(&check.name);
                column.check = Some(check.expr);
                continue;
            }
            let c = &mut t.checks[at];
            let name = match &u.column {
                Some(col) => col.clone(),
                None => loop {
                    check_n += 1;
                    let n = format!("CONSTRAINT_{check_n}");
                    if !constraints.contains(&n) {
                        break n;
                    }
                },
            };
            constraints.push(name.clone());
            t.generated_names.remove(&c.name);
            t.generated_names.insert(name.clone());
            c.name = name;
        }
    }
    named_fks
}

/// InnoDB creates an index named after a foreign key when no index starts with the key's
/// columns (after its first column when the key was unnamed); the desired side gets the
/// same index so both sides agree.
fn implicit_fk_indexes(t: &mut crate::model::Table, unnamed: &[String]) {
    let mut add: Vec<crate::model::Index> = Vec::new();
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
            let name = match fk.columns.first() {
                Some(first) if unnamed.contains(&fk.name) => {
                    let taken = |n: &str| {
                        t.indexes.iter().any(|i| i.name.eq_ignore_ascii_case(n))
                            || t.uniques.iter().any(|u| u.name.eq_ignore_ascii_case(n))
                            || add.iter().any(|i| i.name.eq_ignore_ascii_case(n))
                    };
                    let mut name = first.clone();
                    let mut n = 1;
                    while taken(&name) {
                        n += 1;
                        name = format!("{first}_{n}");
                    }
                    name
                }
                _ => fk.name.clone(),
            };
            add.push(crate::model::Index {
                name,
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
                nulls_not_distinct: false,
                include: Vec::new(),
                with: Vec::new(),
                comment: None,
                using: None,
                only: false,
                attached_to: None,
            });
        }
    }
    // Every such index is sqlshift's doing, whatever its name: a live one may differ.
    t.generated_names.extend(add.iter().map(|i| i.name.clone()));
    t.indexes.extend(add);
}

fn is_numeric(t: &DataType) -> bool {
    use DataType::*;
    match t {
        Unsigned(inner) | Zerofill(inner, _) => is_numeric(inner),
        FloatDigits { .. } => true,
        TinyInt | SmallInt | MediumInt | Integer | BigInt | Numeric(_) | Real | Double
        | Boolean => true,
        _ => false,
    }
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
            let binary_attribute =
                c.collation.as_deref() == Some(crate::parse::binary_attr::BINARY_COLLATION);
            if c.charset.is_none() && !binary_attribute {
                if let Some(col) = &c.collation {
                    c.charset = col.split('_').next().map(str::to_string);
                }
            }
            let col_charset = c.charset.clone().unwrap_or_else(|| table_charset.clone());
            if binary_attribute {
                c.collation = Some(format!("{col_charset}_bin"));
            }
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

/// MariaDB's JSON is LONGTEXT in utf8mb4_bin with a column check `json_valid(c)` (what
/// mysqldump writes for it): a file's LONGTEXT with that check in that collation is JSON
/// there; in another collation it stays a LONGTEXT with its check. (Run after
/// `strip_defaults`: a collation the column inherits is the table's or the database's.)
pub fn mariadb_json(s: &mut Schema) {
    let db_collation = s.defaults.get(COLLATION).cloned();
    for t in s.tables.values_mut() {
        let mut json = Vec::new();
        let table_collation = t.collation.clone().or_else(|| db_collation.clone());
        for c in &mut t.columns {
            if c.data_type == DataType::SizedText(crate::model::Size::Long) {
                let want = format!("json_valid({})", c.name.to_lowercase());
                let is_json =
                    |e: &crate::model::Expr| e.canon.replace('`', "").to_lowercase() == want;
                let collation = c.collation.clone().or_else(|| table_collation.clone());
                let json_collation =
                    collation.as_deref() == Some(super::introspect::JSON_COLLATION);
                if json_collation && c.check.as_ref().is_some_and(is_json) {
                    c.check = None;
                    c.data_type = DataType::Json;
                    c.charset = None;
                    c.collation = None;
                } else if let Some(k) = t
                    .checks
                    .iter()
                    .position(|k| is_json(&k.expr))
                    .filter(|_| json_collation)
                {
                    json.push((c.name.clone(), k));
                }
            }
        }
        json.sort_by_key(|j| std::cmp::Reverse(j.1));
        for (col, k) in json {
            t.checks.remove(k);
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == col) {
                c.data_type = DataType::Json;
                // mysqldump writes JSON's own `utf8mb4_bin`; the catalog shows JSON bare.
                c.charset = None;
                c.collation = None;
            }
        }
    }
}

/// A check the file writes on a column that the live database already has as a table check
/// of the same expression (built by another tool, or by a sqlshift that wrote every check at
/// table level) is that check: the desired side keeps it at table level, by its live name,
/// rather than planning to move it into the column.
pub fn keep_live_table_checks(live: &Schema, desired: &mut Schema) {
    for (name, t) in desired.tables.iter_mut() {
        let Some(l) = live.tables.get(name) else {
            continue;
        };
        for c in &mut t.columns {
            let Some(e) = &c.check else { continue };
            if l.column(&c.name).is_some_and(|lc| lc.check.is_some()) {
                continue;
            }
            let found = l.checks.iter().find(|k| {
                k.expr == *e
                    && !t
                        .checks
                        .iter()
                        .any(|d| d.name == k.name || d.expr == k.expr)
            });
            let Some(k) = found else { continue };
            if let Some(expr) = c.check.take() {
                t.generated_names.insert(k.name.clone());
                t.checks.push(crate::model::Check {
                    not_valid: false,
                    name: k.name.clone(),
                    expr,
                    no_inherit: false,
                });
            }
        }
    }
}

/// MySQL 8 keeps every check at table level: a check written on a column is an ordinary
/// named check there (`<table>_chk_<n>`).
pub fn column_checks_to_table(s: &mut Schema) {
    for t in s.tables.values_mut() {
        let mut n = 0;
        let moved: Vec<crate::model::Expr> = t
            .columns
            .iter_mut()
            .filter_map(|c| c.check.take())
            .collect();
        for expr in moved {
            let name = loop {
                n += 1;
                let name = format!("{}_chk_{n}", t.name.name);
                if !t.checks.iter().any(|c| c.name == name) {
                    break name;
                }
            };
            t.generated_names.insert(name.clone());
            t.checks.push(crate::model::Check {
                not_valid: false,
                name,
                expr,
                no_inherit: false,
            });
        }
    }
}

/// MariaDB's generated columns take no `NOT NULL` (its grammar has none there).
pub fn mariadb_generated_nullable(s: &mut Schema, notes: &mut Vec<String>) {
    for t in s.tables.values_mut() {
        for c in t.columns.iter_mut().filter(|c| c.generated.is_some()) {
            if !c.nullable {
                c.nullable = true;
                note(
                    notes,
                    format!(
                        "mariadb: generated column {}.{} cannot be NOT NULL on MariaDB; it is left nullable",
                        t.name, c.name
                    ),
                );
            }
        }
    }
}

pub fn is_mariadb(s: &Schema) -> bool {
    s.defaults.get(FLAVOR).is_some_and(|f| f == "mariadb")
}

#[cfg(test)]
mod tests {
    use crate::model::{QName, Schema, View};

    fn canon(query: crate::model::Expr) -> String {
        let mut s = Schema::default();
        let name = QName::new("", "v");
        s.views.insert(
            name.clone(),
            View::new(name, false, query, Default::default()),
        );
        super::normalize(&mut s, &mut vec![]);
        s.views.values().map(|v| v.query.canon.clone()).collect()
    }

    #[test]
    fn a_sakila_view_matches_what_mariadb_stores() {
        let written = "SELECT cu.customer_id AS ID, CONCAT(cu.first_name, _utf8' ', cu.last_name) AS name, \
            GROUP_CONCAT(cu.email ORDER BY cu.email SEPARATOR ', ') AS mails, N'it''s' AS n, \
            SUM(cu.active) AS total, count(*) AS n FROM customer AS cu GROUP BY cu.customer_id ORDER BY total DESC";
        let stored = "select `cu`.`customer_id` AS `ID`,concat(`cu`.`first_name`,' ',`cu`.`last_name`) AS `name`,\
            group_concat(`cu`.`email` order by `cu`.`email` ASC separator ', ') AS `mails`,'it\\'s' AS `n`,\
            sum(`cu`.`active`) AS `total`,count(0) AS `n` from `customer` `cu` group by `cu`.`customer_id` order by sum(`cu`.`active`) desc";
        let from_file = crate::parse::view_query(written).map(|(q, _, _)| canon(q));
        let from_catalog = crate::parse::from_mysql(stored)
            .and_then(|t| crate::parse::view_query(&t))
            .map(|(q, _, _)| canon(q));
        assert_eq!(from_file, from_catalog);
        // The literal's own text is never folded.
        let other = crate::parse::view_query("SELECT 'A' AS x FROM t").map(|(q, _, _)| canon(q));
        let lower = crate::parse::view_query("SELECT 'a' AS x FROM t").map(|(q, _, _)| canon(q));
        assert_ne!(other, lower);
    }
}
