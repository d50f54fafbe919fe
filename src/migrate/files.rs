//! Migration files and folders: naming (`<version>_<name>.up.sql` / `.down.sql`, version
//! = UTC `YYYYMMDDHHMMSS`), the folder per dialect, loading a folder with its sum checked,
//! and writing new files together with the updated sum.

use super::script;
use super::sum::{self, Sum, SumError};
use super::MigrateError;
use crate::dialect::migrate::Statement;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// One migration: its version, name, and the texts of its files.
#[derive(Debug, Clone)]
pub struct Migration {
    pub version: i64,
    pub name: String,
    /// The up file as shown in messages (its path).
    pub up_file: String,
    /// The up file's text, BOM and CRLF normalized.
    pub up_sql: String,
    /// The down file's text, when there is one.
    pub down_sql: Option<String>,
    /// SHA-256 of the up file (normalized): what the tracking table records.
    pub checksum: String,
    /// The up file starts with `-- sqlshift:no-transaction`.
    pub no_transaction: bool,
}

impl Migration {
    /// Builds a migration from texts (files on disk, or generated ones being verified).
    /// A file that is not UTF-8 is refused: running it with replacement characters would
    /// store other text than the file holds.
    pub fn from_texts(
        version: i64,
        name: &str,
        up_file: String,
        up: &[u8],
        down: Option<&[u8]>,
    ) -> Result<Migration, MigrateError> {
        let text = |b: &[u8], file: String| {
            String::from_utf8(sum::normalize(b)).map_err(|e| {
                let at = e.utf8_error().valid_up_to();
                let valid = &e.as_bytes()[..at];
                let line = valid.iter().filter(|&&c| c == b'\n').count() + 1;
                let col = valid.iter().rev().take_while(|&&c| c != b'\n').count() + 1;
                MigrateError::NotUtf8 { file, line, col }
            })
        };
        let up_sql = text(up, up_file.clone())?;
        let down_file = up_file.replace(".up.sql", ".down.sql");
        let down_sql = match down {
            Some(b) => Some(text(b, down_file)?),
            None => None,
        };
        Ok(Migration {
            version,
            name: name.to_string(),
            up_file,
            no_transaction: script::no_transaction(&up_sql),
            checksum: sum::file_hash(up),
            up_sql,
            down_sql,
        })
    }

    /// `<version>_<name>`.
    pub fn id(&self) -> String {
        format!("{}_{}", self.version, self.name)
    }

    pub fn up_statements(&self) -> Vec<Statement> {
        script::split(&self.up_sql)
    }
}

/// A migrations folder for one dialect, loaded and checked against its sum.
#[derive(Debug, Clone)]
pub struct Directory {
    pub path: PathBuf,
    /// In version order.
    pub migrations: Vec<Migration>,
}

impl Directory {
    pub fn newest(&self) -> Option<i64> {
        self.migrations.last().map(|m| m.version)
    }

    pub fn get(&self, version: i64) -> Option<&Migration> {
        self.migrations.iter().find(|m| m.version == version)
    }
}

/// The folder of `dialect`'s migrations: `root/<dialect>/` when the project targets several
/// dialects, `root` itself when it targets one.
pub fn dialect_dir(root: &Path, dialect: &str, targets: &[String]) -> PathBuf {
    if targets.len() > 1 {
        root.join(dialect)
    } else {
        root.to_path_buf()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

/// Reads `<version>_<name>.up.sql` / `.down.sql`.
pub fn parse_file_name(file: &str) -> Option<(i64, String, Direction)> {
    let (stem, direction) = if let Some(s) = file.strip_suffix(".up.sql") {
        (s, Direction::Up)
    } else if let Some(s) = file.strip_suffix(".down.sql") {
        (s, Direction::Down)
    } else {
        return None;
    };
    let (version, name) = stem.split_once('_')?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((version.parse().ok()?, name.to_string(), direction))
}

pub fn file_name(version: i64, name: &str, direction: Direction) -> String {
    match direction {
        Direction::Up => format!("{version}_{name}.up.sql"),
        Direction::Down => format!("{version}_{name}.down.sql"),
    }
}

/// Checks a migration name given on the command line.
pub fn check_name(name: &str) -> Result<(), MigrateError> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(MigrateError::BadName {
            name: name.to_string(),
        })
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> MigrateError + '_ {
    move |source| MigrateError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The `.sql` files of a folder with their bytes, sorted by name. A missing folder is empty.
fn read_sql_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, MigrateError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        if !path.is_file() || path.extension().is_none_or(|e| e != "sql") {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path).map_err(io(&path))?;
        out.push((name, bytes));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Checks the folder against `sqlshift.sum`: before anything connects or is generated.
pub fn verify(dir: &Path) -> Result<(), MigrateError> {
    let files = read_sql_files(dir)?;
    let sum_path = dir.join(sum::FILE_NAME);
    let text = match std::fs::read_to_string(&sum_path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if files.is_empty() {
                return Ok(());
            }
            return Err(SumError::NoSum { path: sum_path }.into());
        }
        Err(source) => {
            return Err(SumError::Io {
                path: sum_path,
                source,
            }
            .into())
        }
    };
    let recorded = Sum::parse(&text, &sum_path)?;
    sum::check(&recorded, &files, &sum_path)?;
    Ok(())
}

/// Rewrites `sqlshift.sum` from the files as they are; returns how many it lists. A
/// folder without migration files gets no sum (there is nothing to protect).
pub fn hash(dir: &Path) -> Result<usize, MigrateError> {
    let files = read_sql_files(dir)?;
    if files.is_empty() {
        return Ok(0);
    }
    // Refuse names that would be ignored at run time, so the sum never blesses them.
    load_unchecked(dir)?;
    let s = Sum::compute(&files);
    let path = dir.join(sum::FILE_NAME);
    if !dir.exists() {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    std::fs::write(&path, s.render()).map_err(io(&path))?;
    Ok(s.entries.len())
}

/// Refuses a migrations folder that does not exist: a wrong working directory or
/// `migrations:` setting must not read as "nothing to apply".
pub fn require_dir(dir: &Path) -> Result<(), MigrateError> {
    if dir.is_dir() {
        Ok(())
    } else {
        Err(MigrateError::MissingDir {
            dir: dir.display().to_string(),
        })
    }
}

/// Loads a folder after checking its sum.
pub fn load(dir: &Path) -> Result<Directory, MigrateError> {
    verify(dir)?;
    load_unchecked(dir)
}

/// Loads a folder without looking at the sum (for `migrate hash`).
pub fn load_unchecked(dir: &Path) -> Result<Directory, MigrateError> {
    let files = read_sql_files(dir)?;
    let mut ups: Vec<(i64, String, String, Vec<u8>)> = Vec::new();
    let mut downs: Vec<(i64, String, String, Vec<u8>)> = Vec::new();
    for (file, bytes) in files {
        let shown = dir.join(&file).display().to_string();
        let Some((version, name, direction)) = parse_file_name(&file) else {
            return Err(MigrateError::BadFileName { file: shown });
        };
        match direction {
            Direction::Up => ups.push((version, name, shown, bytes)),
            Direction::Down => downs.push((version, name, shown, bytes)),
        }
    }
    let mut migrations: Vec<Migration> = Vec::with_capacity(ups.len());
    for (version, name, shown, bytes) in &ups {
        if let Some(other) = migrations.iter().find(|m| m.version == *version) {
            return Err(MigrateError::DuplicateVersion {
                version: *version,
                first: other.up_file.clone(),
                second: shown.clone(),
            });
        }
        let down = downs
            .iter()
            .find(|(v, n, _, _)| v == version && n == name)
            .map(|(_, _, _, b)| b.as_slice());
        migrations.push(Migration::from_texts(
            *version,
            name,
            shown.clone(),
            bytes,
            down,
        )?);
    }
    for (version, name, shown, _) in &downs {
        if !ups.iter().any(|(v, n, _, _)| v == version && n == name) {
            return Err(MigrateError::OrphanDown {
                file: shown.clone(),
                up: file_name(*version, name, Direction::Up),
            });
        }
    }
    migrations.sort_by_key(|m| m.version);
    Ok(Directory {
        path: dir.to_path_buf(),
        migrations,
    })
}

/// Writes new files into a folder, then rewrites its sum. The caller verified the folder
/// first, so the new sum blesses only the files that were already recorded plus these.
pub fn write_files(dir: &Path, files: &[(String, String)]) -> Result<(), MigrateError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, _) in files {
        let path = dir.join(name);
        if path.exists() {
            return Err(MigrateError::Exists {
                file: path.display().to_string(),
            });
        }
    }
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    hash(dir)?;
    Ok(())
}

/// The version for a new migration: now (UTC) as `YYYYMMDDHHMMSS`, or one more than the
/// newest existing version if the clock is behind it, so new migrations always sort last.
pub fn next_version(now: SystemTime, newest: Option<i64>) -> i64 {
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let v = utc_version(secs);
    match newest {
        Some(n) if n >= v => n + 1,
        _ => v,
    }
}

/// Seconds since the epoch as the UTC `YYYYMMDDHHMMSS` number.
pub fn utc_version(secs: u64) -> i64 {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (h, m, s) = (rem / 3600, (rem % 3600) / 60, rem % 60);
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let mo = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(mo <= 2);
    ((((y * 100 + mo) * 100 + d) * 100 + h as i64) * 100 + m as i64) * 100 + s as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_utc_timestamps() {
        assert_eq!(utc_version(0), 19700101000000);
        assert_eq!(utc_version(1_700_000_000), 20231114221320);
        assert_eq!(utc_version(951_782_400), 20000229000000);
        let t = UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(next_version(t, Some(20231114221320)), 20231114221321);
        assert_eq!(next_version(t, Some(20200101000000)), 20231114221320);
    }

    #[test]
    fn file_names() {
        assert_eq!(
            parse_file_name("20250101120000_add_orders.up.sql"),
            Some((20250101120000, "add_orders".into(), Direction::Up))
        );
        assert_eq!(
            parse_file_name("1_x_y.down.sql"),
            Some((1, "x_y".into(), Direction::Down))
        );
        assert_eq!(parse_file_name("init.up.sql"), None);
        assert_eq!(parse_file_name("2025_x.sql"), None);
        assert!(check_name("add_orders").is_ok());
        assert!(check_name("add orders").is_err());
    }
}
