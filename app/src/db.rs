//! Opening the database: SQLite by default, PostgreSQL by URL, migrated on open.

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use std::time::Duration;

/// How long a SQLite writer waits for the write lock before it gives up with "busy". Write
/// transactions take the lock when they begin (see [`begin_write`]), so waiting always helps.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Begins a transaction that is going to write. On SQLite it takes the write lock at `BEGIN`
/// (`BEGIN IMMEDIATE`): a deferred transaction that reads first cannot be upgraded to a writer
/// once another connection has committed, and SQLite refuses it at once, busy timeout or not.
/// Writers queue on the busy timeout instead; readers stay concurrent (WAL). On PostgreSQL
/// this is a plain `BEGIN`.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether `error` means that the database cannot serve right now — unreachable, stopped or
/// restarting, its pool exhausted, or (SQLite) busy, locked, full or failing to read or write —
/// rather than that the request or the code is wrong. Such an error answers 503 with
/// `Retry-After` and heals without a restart. The one place that decides it, by error kind and
/// code, never by message text.
pub fn is_unavailable(error: &DbErr) -> bool {
    match error {
        DbErr::ConnectionAcquire(_) => true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => sqlx_error_is_unavailable(e),
        _ => false,
    }
}

fn sqlx_error_is_unavailable(error: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error;
    match error {
        Error::Io(_)
        | Error::Tls(_)
        | Error::PoolTimedOut
        | Error::PoolClosed
        | Error::WorkerCrashed => true,
        Error::Database(database) => {
            if let Some(sqlite) = database.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>()
            {
                use sea_orm::sqlx::error::DatabaseError;
                // The extended result code; its low byte is the primary code.
                let code = sqlite
                    .code()
                    .and_then(|code| code.parse::<i32>().ok())
                    .unwrap_or_default();
                SQLITE_UNAVAILABLE.contains(&(code & 0xff))
            } else if let Some(postgres) =
                database.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>()
            {
                postgres_state_is_unavailable(postgres.code())
            } else {
                false
            }
        }
        _ => false,
    }
}

/// SQLITE_BUSY, SQLITE_LOCKED, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN.
const SQLITE_UNAVAILABLE: [i32; 5] = [5, 6, 10, 13, 14];

/// SQLSTATE classes 08 (connection exception), 53 (insufficient resources: disk full, out of
/// memory, too many connections) and 58 (system error: I/O), and 57P01–57P03 (the server is
/// shutting down, crashed, or not yet accepting connections).
fn postgres_state_is_unavailable(state: &str) -> bool {
    state.starts_with("08")
        || state.starts_with("53")
        || state.starts_with("58")
        || matches!(state, "57P01" | "57P02" | "57P03")
}

/// How long a request waits for a connection from the pool (and opening one may take).
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connects to `url`. For a SQLite file URL the folder is created first, so a fresh checkout
/// needs no set-up.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    connect_with_timeout(url, ACQUIRE_TIMEOUT).await
}

/// Connects to `url`, giving up on a connection after `timeout` (also the pool's wait for a
/// free connection later on).
pub async fn connect_with_timeout(
    url: &str,
    timeout: Duration,
) -> Result<DatabaseConnection, DbErr> {
    if let Some(path) = sqlite_file_path(url)
        && let Some(parent) = std::path::Path::new(&path)
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", parent.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_string());
    options
        .connect_timeout(timeout)
        .acquire_timeout(timeout)
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // Every connection gets the same pragmas, set explicitly rather than inherited from
        // defaults: WAL keeps readers concurrent with the one writer; NORMAL synchronisation in
        // WAL mode never corrupts the file and loses nothing on a process crash (only an OS crash
        // or power loss can lose the last transactions).
        options.max_connections(8).map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    }
    Database::connect(options).await
}

/// Connects and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url).await?;
    Migrator::up(&db, None).await?;
    crate::audit::server::seal_unchained_history(&db).await?;
    Ok(db)
}

fn sqlite_file_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_string())
}

/// A private in-memory database with the schema applied, for unit tests. One connection,
/// because every new in-memory connection would be a new, empty database.
#[cfg(test)]
pub async fn connect_memory() -> DatabaseConnection {
    let mut options = ConnectOptions::new("sqlite::memory:");
    options
        .max_connections(1)
        .min_connections(1)
        .sqlx_logging(false);
    let db = Database::connect(options).await.expect("in-memory sqlite");
    Migrator::up(&db, None).await.expect("migrations");
    crate::audit::server::seal_unchained_history(&db)
        .await
        .expect("audit chain");
    db
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ConnectionTrait, TransactionTrait};

    fn temporary_url() -> (std::path::PathBuf, String) {
        let dir =
            std::env::temp_dir().join(format!("cleared-db-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("t.db").display());
        (dir, url)
    }

    #[tokio::test]
    async fn a_full_sqlite_database_is_unavailable_not_a_bug() {
        let mut options = ConnectOptions::new("sqlite::memory:");
        options
            .max_connections(1)
            .min_connections(1)
            .sqlx_logging(false);
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x TEXT)")
            .await
            .unwrap();
        db.execute_unprepared("PRAGMA max_page_count = 3")
            .await
            .unwrap();
        let mut full = None;
        for _ in 0..100 {
            if let Err(error) = db
                .execute_unprepared("INSERT INTO t VALUES (hex(randomblob(500)))")
                .await
            {
                full = Some(error);
                break;
            }
        }
        let full = full.expect("the database fills up");
        assert!(is_unavailable(&full), "{full:?}");
    }

    #[tokio::test]
    async fn a_locked_sqlite_database_is_unavailable() {
        let (dir, url) = temporary_url();
        let holder = connect(&url).await.unwrap();
        holder
            .execute_unprepared("CREATE TABLE t (x INTEGER)")
            .await
            .unwrap();
        let held = begin_write(&holder).await.unwrap();
        held.execute_unprepared("INSERT INTO t VALUES (1)")
            .await
            .unwrap();
        let mut options = ConnectOptions::new(url.clone());
        options
            .max_connections(1)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .busy_timeout(Duration::ZERO)
            });
        let other = Database::connect(options).await.unwrap();
        let busy = match other
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
        {
            Ok(_) => panic!("the write lock is held"),
            Err(error) => error,
        };
        assert!(is_unavailable(&busy), "{busy:?}");
        held.rollback().await.unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn mistakes_are_not_unavailability() {
        let db = connect_memory().await;
        for sql in [
            "SELECT * FROM no_such_table",
            "INSERT INTO users (id) VALUES (1, 2)",
        ] {
            let error = db.execute_unprepared(sql).await.unwrap_err();
            assert!(!is_unavailable(&error), "{sql}: {error:?}");
        }
        assert!(!is_unavailable(&DbErr::RecordNotFound("x".into())));
        assert!(is_unavailable(&DbErr::ConnectionAcquire(
            sea_orm::ConnAcquireErr::Timeout
        )));
    }

    #[test]
    fn postgres_states() {
        for state in [
            "08006", "08001", "53100", "53300", "57P01", "57P03", "58030",
        ] {
            assert!(postgres_state_is_unavailable(state), "{state}");
        }
        for state in ["23505", "23503", "42P01", "40001", "57014"] {
            assert!(!postgres_state_is_unavailable(state), "{state}");
        }
    }
}

/// A full disk or a failed commit must not leave a connection holding the write lock: the
/// failed transaction is rolled back and the next writer gets on, without a restart.
#[cfg(test)]
mod healing {
    use super::*;
    use sea_orm::ConnectionTrait;

    fn temporary_url() -> String {
        let dir =
            std::env::temp_dir().join(format!("cleared-heal-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        format!("sqlite://{}?mode=rwc", dir.join("t.db").display())
    }

    #[tokio::test]
    async fn writes_heal_once_a_full_database_has_room_again() {
        // One connection, so "full" (max_page_count) and "freed" apply to the same one.
        let mut options = ConnectOptions::new(temporary_url());
        options
            .max_connections(1)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_millis(200))
            });
        let db = Database::connect(options).await.unwrap();
        db.execute_unprepared("CREATE TABLE t (x TEXT)")
            .await
            .unwrap();
        db.execute_unprepared("PRAGMA max_page_count = 4")
            .await
            .unwrap();
        let mut refused = 0;
        for _ in 0..20 {
            let txn = begin_write(&db).await.expect("a writer can always begin");
            match txn
                .execute_unprepared("INSERT INTO t VALUES (hex(randomblob(800)))")
                .await
            {
                Ok(_) => txn.commit().await.unwrap(),
                Err(error) => {
                    assert!(is_unavailable(&error), "{error:?}");
                    refused += 1;
                }
            }
        }
        assert!(refused > 0, "the database filled up");
        db.execute_unprepared("PRAGMA max_page_count = 100000")
            .await
            .unwrap();
        let txn = begin_write(&db).await.unwrap();
        txn.execute_unprepared("INSERT INTO t VALUES ('after')")
            .await
            .unwrap();
        txn.commit().await.unwrap();
    }

    #[tokio::test]
    async fn a_failed_commit_leaves_no_transaction_open() {
        let db = connect(&temporary_url()).await.unwrap();
        db.execute_unprepared("CREATE TABLE p (id INTEGER PRIMARY KEY)")
            .await
            .unwrap();
        db.execute_unprepared(
            "CREATE TABLE c (p INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)",
        )
        .await
        .unwrap();
        // A deferred constraint makes COMMIT itself fail, as a full disk does.
        let txn = begin_write(&db).await.unwrap();
        txn.execute_unprepared("INSERT INTO c VALUES (42)")
            .await
            .unwrap();
        assert!(txn.commit().await.is_err());
        for id in 1..=10 {
            let txn = begin_write(&db).await.expect("the write lock was released");
            txn.execute_unprepared(&format!("INSERT INTO p VALUES ({id})"))
                .await
                .unwrap();
            txn.commit().await.unwrap();
        }
        let rows = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                "SELECT count(*) AS n FROM c",
            ))
            .await
            .unwrap()
            .and_then(|row| row.try_get::<i64>("", "n").ok());
        assert_eq!(rows, Some(0), "the failed transaction was rolled back");
    }
}
