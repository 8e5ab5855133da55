//! Fresh databases for tests: a new SQLite file always, and a new PostgreSQL database when
//! `ZHILI_TEST_DATABASE_URL` names a server (CI gives it; see `.ci/run`).

use crate::{Backend, Result, SqlStore, StoreError};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    admin_url: Option<String>,
    name: String,
}

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos % 1_000_000_000,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Swaps the database name in a PostgreSQL URL.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let name = unique("zhili_test");
        let path = std::env::temp_dir().join(format!("{name}.db"));
        TestDb {
            url: format!("sqlite:{}", path.display()),
            backend: Backend::Sqlite,
            admin_url: None,
            name,
        }
    }

    pub async fn postgres(admin_url: &str) -> Result<TestDb> {
        let name = unique("zhili_test");
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin_url).await?;
        sqlx::Executor::execute(&mut conn, format!("CREATE DATABASE {name}").as_str()).await?;
        Ok(TestDb {
            url: with_database(admin_url, &name),
            backend: Backend::Postgres,
            admin_url: Some(admin_url.to_string()),
            name,
        })
    }

    /// Every backend this run can test: SQLite, plus PostgreSQL when its URL is given.
    pub async fn all() -> Vec<TestDb> {
        let mut dbs = vec![TestDb::sqlite()];
        if let Ok(url) = std::env::var("ZHILI_TEST_DATABASE_URL") {
            if !url.is_empty() {
                dbs.push(
                    TestDb::postgres(&url)
                        .await
                        .expect("ZHILI_TEST_DATABASE_URL is set but unusable"),
                );
            }
        }
        dbs
    }

    pub async fn open(&self) -> Result<SqlStore> {
        SqlStore::open(&self.url).await
    }

    pub async fn drop_database(self) -> Result<()> {
        match &self.admin_url {
            None => {
                let path = self.url.trim_start_matches("sqlite:");
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{path}{suffix}"));
                }
                Ok(())
            }
            Some(admin) => {
                let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(admin).await?;
                sqlx::Executor::execute(
                    &mut conn,
                    format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str(),
                )
                .await
                .map_err(StoreError::from)?;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn swaps_database_names() {
        assert_eq!(
            super::with_database("postgres://u:p@h:5432/postgres", "x"),
            "postgres://u:p@h:5432/x"
        );
        assert_eq!(
            super::with_database("postgres://h/db?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(super::with_database("postgres://h", "x"), "postgres://h/x");
    }
}
