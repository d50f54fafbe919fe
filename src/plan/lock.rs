//! The table locks a step takes, how long it holds them (a catalog update, a scan of every
//! row, an index build, a rewrite), and which of them weighs most on the application.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A table-level lock mode (PostgreSQL's eight, weakest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LockMode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl LockMode {
    pub fn as_str(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The name `pg_locks.mode` gives the mode (`AccessExclusiveLock`).
    pub fn parse_pg(s: &str) -> Option<LockMode> {
        Some(match s {
            "AccessShareLock" => LockMode::AccessShare,
            "RowShareLock" => LockMode::RowShare,
            "RowExclusiveLock" => LockMode::RowExclusive,
            "ShareUpdateExclusiveLock" => LockMode::ShareUpdateExclusive,
            "ShareLock" => LockMode::Share,
            "ShareRowExclusiveLock" => LockMode::ShareRowExclusive,
            "ExclusiveLock" => LockMode::Exclusive,
            "AccessExclusiveLock" => LockMode::AccessExclusive,
            _ => return None,
        })
    }

    /// What the application cannot do while the lock is held: 2 when reads wait (it
    /// conflicts with a plain SELECT's ACCESS SHARE), 1 when writes wait (it conflicts with
    /// INSERT/UPDATE/DELETE's ROW EXCLUSIVE), 0 when both go on.
    pub fn blocks(self) -> u8 {
        match self {
            LockMode::AccessExclusive => 2,
            LockMode::Share | LockMode::ShareRowExclusive | LockMode::Exclusive => 1,
            _ => 0,
        }
    }

    fn blocked(self) -> &'static str {
        match self.blocks() {
            2 => "reads and writes wait",
            1 => "writes wait",
            _ => "reads and writes go on",
        }
    }
}

/// How long a lock is held, shortest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Work {
    /// A catalog update: the lock is held for an instant (once granted).
    Brief,
    /// Every row is read to check it.
    Scan,
    /// Every row is read and sorted into a new index.
    Build,
    /// The table (and its indexes) is written anew.
    Rewrite,
}

impl Work {
    fn while_(self) -> &'static str {
        match self {
            Work::Brief => "briefly",
            Work::Scan => "while every row is checked",
            Work::Build => "while an index builds",
            Work::Rewrite => "while the table is rewritten",
        }
    }
}

/// One lock a step takes on a table (or view) that exists before the plan runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub table: String,
    pub mode: LockMode,
    pub work: Work,
}

impl Lock {
    pub fn new(table: impl fmt::Display, mode: LockMode, work: Work) -> Self {
        Lock {
            table: table.to_string(),
            mode,
            work,
        }
    }

    /// How much the lock weighs on the application: what it blocks for how long first
    /// (a lock that blocks nothing weighs no more than a brief one), then what it blocks,
    /// then how long it is held.
    pub fn weight(&self) -> (Work, u8, Work) {
        let blocking = if self.mode.blocks() > 0 {
            self.work
        } else {
            Work::Brief
        };
        (blocking, self.mode.blocks(), self.work)
    }

    /// The lock of `locks` that blocks the application longest (see [`weight`](Self::weight);
    /// the first of equals).
    pub fn longest<'a>(locks: impl IntoIterator<Item = &'a Lock>) -> Option<&'a Lock> {
        locks
            .into_iter()
            .fold(None, |best: Option<&Lock>, l| match best {
                Some(b) if b.weight() >= l.weight() => Some(b),
                _ => Some(l),
            })
    }
}

impl fmt::Display for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {}, {} ({})",
            self.mode.as_str(),
            self.table,
            self.work.while_(),
            self.mode.blocked()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_lock_that_blocks_outweighs_a_brief_stronger_one() {
        let brief = Lock::new("t", LockMode::AccessExclusive, Work::Brief);
        let build = Lock::new("t", LockMode::Share, Work::Build);
        let online = Lock::new("t", LockMode::ShareUpdateExclusive, Work::Build);
        assert_eq!(Lock::longest([&brief, &build, &online]), Some(&build));
        assert_eq!(Lock::longest([&online, &brief]), Some(&brief));
        assert_eq!(
            brief.to_string(),
            "ACCESS EXCLUSIVE on t, briefly (reads and writes wait)"
        );
    }
}
