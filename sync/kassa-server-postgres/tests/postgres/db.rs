//! A fresh database on the real PostgreSQL server for each test, dropped afterwards.

use tokio_postgres::{Client, NoTls};

/// The server the tests use, without a database name; `KASSA_TEST_POSTGRES` overrides it.
fn server_url() -> String {
    std::env::var("KASSA_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

const PREFIX: &str = "kassa_test_";

/// A connection to the server's `postgres` database. Fails the test, clearly, when the
/// server is not there: these tests never pass without the real database.
pub async fn admin() -> Client {
    let url = format!("{}/postgres", server_url());
    match tokio_postgres::connect(&url, NoTls).await {
        Ok((client, connection)) => {
            tokio::spawn(connection);
            client
        }
        Err(e) => panic!(
            "PostgreSQL is not reachable at {url} ({e}{}). These tests need the real server: \
             start it with `source scripts/deps.sh && ensure_postgres`, or point \
             KASSA_TEST_POSTGRES at one (postgres://user@host:port).",
            std::error::Error::source(&e).map_or(String::new(), |c| format!(": {c}"))
        ),
    }
}

/// A database made for one test, named `kassa_test_<random hex>`.
pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn new() -> TestDb {
        let admin = admin().await;
        drop_stale(&admin).await;
        let name = format!("{PREFIX}{:032x}", rand::random::<u128>());
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("could not create the test database {name}: {e}"));
        let url = format!("{}/{name}", server_url());
        TestDb { name, url }
    }

    /// A direct connection to the test database, for looking under the storage.
    pub async fn client(&self) -> Client {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .expect("connect to the test database");
        tokio::spawn(connection);
        client
    }
}

impl Drop for TestDb {
    // Runs on a thread of its own: the test's runtime may be the one dropping us.
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                let admin = admin().await;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
            })
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("the test database {} was not dropped", self.name);
        }
    }
}

/// Drops test databases that a crashed run left behind more than a day ago. A database's
/// age is its `PG_VERSION` file's, written when it was made; a server that does not let us
/// read it (not a superuser) keeps its leftovers.
async fn drop_stale(admin: &Client) {
    let Ok(rows) = admin
        .query(
            "SELECT datname FROM pg_database
             WHERE datname LIKE 'kassa\\_test\\_%'
               AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification
                   < now() - interval '1 day'",
            &[],
        )
        .await
    else {
        return;
    };
    for row in rows {
        let name: String = row.get(0);
        let _ = admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await;
    }
}
