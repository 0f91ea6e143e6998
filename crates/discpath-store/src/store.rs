//! Connecting, migrating and transactions.

use std::str::FromStr as _;
use std::sync::Arc;

use jiff::Timestamp;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, ConnectOptions as _, Executor as _};

use crate::StoreError;
use crate::checkpoint::{AUTOCHECKPOINT_PAGES, Checkpointer};

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A connection pool to the database, migrated to the current schema.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// SQLite only: checkpoints the write-ahead log in the background.
    checkpointer: Option<Arc<Checkpointer>>,
    /// The readiness probe's own connection (opened on first use, again after an error), so that
    /// a probe does not queue behind a flood of requests for the pool.
    probe: Arc<tokio::sync::Mutex<Option<AnyConnection>>>,
    options: AnyConnectOptions,
}

/// SQLite's page cache for the one connection, in KiB: 64 MiB (the default is 2 MiB), so that
/// the indexes a request walks — the patients', the audit trail's — stay in memory rather than
/// being read again from the file (BENCHMARKS.md §6).
const CACHE_KIB: u32 = 65_536;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects to `url` (`sqlite://PATH`, created if missing, or `postgres://…`) and runs the
    /// migrations.
    ///
    /// SQLite runs in WAL mode with foreign keys on, through a single connection: every request
    /// writes (at least its audit record), and one connection serializes writers without the
    /// lock-upgrade failures and busy-wait sleeps of several. A second connection checkpoints the
    /// log in the background, so that no request waits for it.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                format!("{url}{}mode=rwc", if url.contains('?') { '&' } else { '?' })
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?.disable_statement_logging();
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 1,
                Backend::Postgres => 16,
            })
            // An embedded database cannot have dropped the connection: skip the ping that would
            // otherwise cost a round trip to SQLite's worker thread on every request.
            .test_before_acquire(backend == Backend::Postgres)
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        connection
                            .execute(sqlx::AssertSqlSafe(format!(
                                "pragma journal_mode = wal; pragma synchronous = normal; \
                                 pragma foreign_keys = on; pragma busy_timeout = 5000; \
                                 pragma wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}; \
                                 pragma cache_size = -{CACHE_KIB};"
                            )))
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await?;
        let checkpointer = match backend {
            Backend::Sqlite => Some(Arc::new(Checkpointer::start(&options).await?)),
            Backend::Postgres => None,
        };
        let probe = Arc::new(tokio::sync::Mutex::new(None));
        let store = Self { pool, backend, checkpointer, probe, options };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    /// The database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Starts a transaction: one request's reads and writes, committed together or not at all.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(Tx { inner: self.pool.begin().await? })
    }

    /// The pool, for single reads that need no transaction.
    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Checks that the database answers, on a connection of its own.
    pub async fn ping(&self) -> Result<(), StoreError> {
        let mut probe = self.probe.lock().await;
        let mut connection = match probe.take() {
            Some(connection) => connection,
            None => self.options.connect().await?,
        };
        // A read of a table, not `select 1`: SQLite answers that without opening the file.
        sqlx::query("select 1 from clinic limit 1").execute(&mut connection).await?;
        *probe = Some(connection);
        Ok(())
    }

    /// Closes every connection (after the last request has finished).
    pub async fn close(&self) {
        if let Some(probe) = self.probe.lock().await.take() {
            let _ = sqlx::Connection::close(probe).await;
        }
        if let Some(checkpointer) = &self.checkpointer {
            checkpointer.stop().await;
        }
        self.pool.close().await;
    }
}

/// One transaction. Dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub struct Tx {
    inner: sqlx::Transaction<'static, Any>,
}

impl Tx {
    /// Commits.
    pub async fn commit(self) -> Result<(), StoreError> {
        self.inner.commit().await?;
        Ok(())
    }

    pub(crate) fn conn(&mut self) -> &mut AnyConnection {
        &mut self.inner
    }

    /// The row of `table` whose `key` column is `id`, as `columns` — only if it belongs to
    /// `clinic_id`: every lookup by id goes through here, so none can cross clinics.
    pub(crate) async fn clinic_row<T>(
        &mut self,
        table: &str,
        columns: &str,
        key: &str,
        clinic_id: &str,
        id: &str,
    ) -> Result<Option<T>, StoreError>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        let sql = sqlx::AssertSqlSafe(format!(
            "select {columns} from {table} where clinic_id = $1 and {key} = $2"
        ));
        Ok(sqlx::query_as(sql).bind(clinic_id).bind(id).fetch_optional(self.conn()).await?)
    }
}

/// A new time-ordered id (UUID v7).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A UTC instant as stored: fixed-width ISO 8601 with milliseconds, so that text order is time
/// order.
pub fn timestamp(at: Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// The UTC day of a stored instant (what [`timestamp`] wrote); `None` for text that is not one.
pub fn utc_day(stored: &str) -> Option<jiff::civil::Date> {
    let at: Timestamp = stored.parse().ok()?;
    Some(at.to_zoned(jiff::tz::TimeZone::UTC).date())
}
