//! How database failures become storage errors.

use kassa_server_storage::StorageError;
use tokio_postgres::error::SqlState;

/// Any database failure: the message is for the server's log.
pub fn db(e: tokio_postgres::Error) -> StorageError {
    match e.as_db_error() {
        Some(d) => StorageError::Backend(format!("{}: {}", d.code().code(), d.message())),
        None => StorageError::Backend(e.to_string()),
    }
}

/// A pool that could not hand out a connection.
pub fn pool(e: deadpool_postgres::PoolError) -> StorageError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => db(e),
        other => StorageError::Backend(format!("no database connection: {other}")),
    }
}

/// Like [`db`], but a unique violation means the thing was already registered.
pub fn registering(what: &str) -> impl Fn(tokio_postgres::Error) -> StorageError + '_ {
    move |e| {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            StorageError::Conflict(format!("{what} is already registered"))
        } else {
            db(e)
        }
    }
}

/// A stored number that does not fit the type the protocol uses.
pub fn out_of_range(what: &str, value: i64) -> StorageError {
    StorageError::Backend(format!("stored {what} {value} is out of range"))
}
