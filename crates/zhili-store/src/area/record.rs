//! The hash-chained record, the settings beside it, and notices between servers.

use crate::sql::*;
use crate::*;
use async_trait::async_trait;
use sqlx::Row;
use zhili_domain::chain::Action;

#[async_trait]
pub trait RecordStore: Send + Sync {
    async fn actions(&self, after_seq: i64, limit: i64) -> Result<Vec<Action>>;

    /// How many actions of a kind one person took in [from, to) (ms), from an index alone.
    async fn count_actions_by(&self, actor: &str, action: &str, from: i64, to: i64) -> Result<i64>;

    /// Streams the records after `check`'s last one up to `upto` through it: the check as it
    /// ends, or where the chain breaks. Memory stays flat however long the record.
    async fn verify_chain(
        &self,
        check: zhili_domain::chain::ChainCheck,
        upto: i64,
    ) -> Result<std::result::Result<zhili_domain::chain::ChainCheck, zhili_domain::chain::ChainBreak>>;

    /// The number of the last record and its hash, as the chain head remembers them.
    async fn chain_head(&self) -> Result<(i64, String)>;

    async fn meta(&self, key: &str) -> Result<Option<String>>;

    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;

    /// Tells every server sharing this database (PostgreSQL NOTIFY, at most 8,000 bytes);
    /// nothing on SQLite, where one process serves.
    async fn publish(&self, channel: &str, payload: &str) -> Result<()>;

    /// What any server publishes on `channel` (its own messages included), or `None` where
    /// no other server can share the database.
    async fn listen(&self, channel: &str) -> Result<Option<tokio::sync::mpsc::Receiver<String>>>;

    /// PostgreSQL: makes the coming months' partitions of the events and the record and moves
    /// what the default partition caught into its month (`partitions`); the partitions made.
    /// Nothing on SQLite.
    async fn maintain_partitions(&self, now: i64) -> Result<Vec<String>>;

    /// The events' and the record's partitions with their rows and size (none on SQLite).
    async fn partitions(&self) -> Result<Vec<crate::Partition>>;

    /// Detaches a closed past month of the events and the record for archiving, recorded.
    async fn detach_month(
        &self,
        actor: &zhili_domain::chain::Actor,
        month: zhili_domain::time::Month,
        now: i64,
    ) -> Result<crate::Detached>;
}

#[async_trait]
impl RecordStore for SqlStore {
    async fn actions(&self, after_seq: i64, limit: i64) -> Result<Vec<Action>> {
        let rows = sqlx::query(&format!(
            "SELECT {ACTION_COLUMNS} FROM actions WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(action_from_row).collect()
    }

    async fn count_actions_by(&self, actor: &str, action: &str, from: i64, to: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM actions WHERE actor = $1 AND action = $2 AND at >= $3 AND at < $4",
        )
        .bind(actor.to_string())
        .bind(action.to_string())
        .bind(from)
        .bind(to)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn verify_chain(
        &self,
        check: zhili_domain::chain::ChainCheck,
        upto: i64,
    ) -> Result<std::result::Result<zhili_domain::chain::ChainCheck, zhili_domain::chain::ChainBreak>>
    {
        crate::chain_check::verify(self, check, upto).await
    }

    async fn maintain_partitions(&self, now: i64) -> Result<Vec<String>> {
        crate::partitions::maintain(self, now).await
    }

    async fn partitions(&self) -> Result<Vec<crate::Partition>> {
        crate::partitions::list(self).await
    }

    async fn detach_month(
        &self,
        actor: &zhili_domain::chain::Actor,
        month: zhili_domain::time::Month,
        now: i64,
    ) -> Result<crate::Detached> {
        crate::partitions::detach(self, actor, month, now).await
    }

    async fn chain_head(&self) -> Result<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM chain_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }

    async fn meta(&self, key: &str) -> Result<Option<String>> {
        let mut conn = self.pool.acquire().await?;
        crate::sql::meta_in(&mut conn, key).await
    }

    async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        let mut tx = self.write_tx().await?;
        set_meta_in(&mut tx, key, value).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn publish(&self, channel: &str, payload: &str) -> Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn listen(&self, channel: &str) -> Result<Option<tokio::sync::mpsc::Receiver<String>>> {
        if self.backend != Backend::Postgres {
            return Ok(None);
        }
        let mut listener = sqlx::postgres::PgListener::connect(&self.url).await?;
        listener.listen(channel).await?;
        let (tx, rx) = tokio::sync::mpsc::channel(1024);
        tokio::spawn(async move {
            loop {
                // recv reconnects by itself after a lost connection (messages sent meanwhile
                // are missed: live notices are a convenience, the record is the truth).
                match listener.recv().await {
                    Ok(n) => {
                        if tx.send(n.payload().to_string()).await.is_err() {
                            return;
                        }
                    }
                    Err(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                }
            }
        });
        Ok(Some(rx))
    }
}
