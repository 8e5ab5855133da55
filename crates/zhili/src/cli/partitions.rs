//! `zhili partitions`: the PostgreSQL database's monthly partitions of the events and the
//! record, as an operator looks after them — listed, made ahead, a closed month detached to be
//! dumped and dropped.

use super::*;
use zhili_domain::time::Month;

#[derive(Subcommand)]
pub(super) enum PartitionAction {
    /// Every partition with its rows and size.
    List {
        #[command(flatten)]
        db: Db,
    },
    /// Make the coming months and move what the default partition holds into its months (the
    /// server does this at start and hourly).
    Maintain {
        #[command(flatten)]
        db: Db,
    },
    /// Detach a past month (YYYY-MM) of the events and the record, once all its cases are
    /// closed and its records are the oldest still attached; the tables are left as
    /// `events_archived_pYYYYMM` and `actions_archived_pYYYYMM`, to dump and drop.
    Detach {
        month: String,
        #[command(flatten)]
        db: Db,
    },
}

pub(super) async fn run(action: PartitionAction) -> ExitCode {
    let db = match &action {
        PartitionAction::List { db }
        | PartitionAction::Maintain { db }
        | PartitionAction::Detach { db, .. } => db,
    };
    let store = match open(db).await {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    if store.backend() != zhili_store::Backend::Postgres {
        return fail("only a PostgreSQL database (--database) is partitioned by month");
    }
    match action {
        PartitionAction::List { .. } => match store.partitions().await {
            Ok(parts) => {
                println!(
                    "{:<8} {:<26} {:>8} {:>12} {:>10}",
                    "table", "partition", "month", "rows", "MB"
                );
                for p in parts {
                    let month = p.month.map_or("default".to_string(), |m| m.to_string());
                    println!(
                        "{:<8} {:<26} {:>8} {:>12} {:>10.1}",
                        p.table,
                        p.name,
                        month,
                        p.rows,
                        p.bytes as f64 / 1_048_576.0
                    );
                }
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        PartitionAction::Maintain { .. } => match store.maintain_partitions(now_ms()).await {
            Ok(made) => {
                println!(
                    "partitions made: {}",
                    if made.is_empty() {
                        "none".into()
                    } else {
                        made.join(", ")
                    }
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        PartitionAction::Detach { month, .. } => {
            let Some(month) = Month::parse(&month) else {
                return fail(format!("month {month:?}: expected YYYY-MM"));
            };
            match store.detach_month(&Actor::system(), month, now_ms()).await {
                Ok(d) => {
                    println!(
                        "{month}: {} events and {} records detached as {}; archive them with \
                         `pg_dump -t {}` and then drop them",
                        d.events,
                        d.records,
                        d.tables.join(" and "),
                        d.tables.join(" -t ")
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}
