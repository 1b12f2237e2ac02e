//! The writer thread: group commit with per-job savepoints.

use std::sync::mpsc;
use std::thread;

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::store::StoreError;

/// Runs after the batch's commit (or its failure) and answers the caller.
type Finish = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A job: runs its statements, says whether they succeeded, and returns its finisher.
type Job = Box<dyn FnOnce(&Connection) -> (bool, Finish) + Send>;

/// Most jobs committed together; bounds the latency a single commit adds to the first job.
const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    pub(super) fn spawn(conn: Connection) -> Result<Self, StoreError> {
        let (jobs, queue) = mpsc::channel::<Job>();
        thread::Builder::new()
            .name("hub-store-writer".into())
            .spawn(move || run(conn, queue))
            .map_err(|_| StoreError::Closed)?;
        Ok(Self { jobs })
    }

    pub(super) async fn run<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move |conn: &Connection| {
            let result = f(conn);
            let ok = result.is_ok();
            let finish: Finish = Box::new(move |committed: Result<(), StoreError>| {
                // The caller may have gone away (connection dropped); nothing to do then.
                let _ = reply.send(committed.and(result));
            });
            (ok, finish)
        });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }
}

fn run(conn: Connection, queue: mpsc::Receiver<Job>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        if let Err(error) = conn.execute_batch("BEGIN IMMEDIATE") {
            // Dropping the jobs drops their reply channels: each caller gets `Closed`.
            tracing::error!(%error, "hub store could not begin a transaction");
            continue;
        }
        let finishers: Vec<Finish> = batch.into_iter().map(|job| run_job(&conn, job)).collect();
        let committed = conn.execute_batch("COMMIT").map_err(StoreError::from);
        if let Err(error) = &committed {
            tracing::error!(%error, "hub store commit failed; the batch was rolled back");
            let _ = conn.execute_batch("ROLLBACK");
        }
        for finish in finishers {
            finish(match &committed {
                Ok(()) => Ok(()),
                Err(_) => Err(StoreError::Closed),
            });
        }
    }
}

/// Runs one job inside its own savepoint so its failure rolls back only its own statements.
fn run_job(conn: &Connection, job: Job) -> Finish {
    if let Err(error) = conn.execute_batch("SAVEPOINT job") {
        tracing::error!(%error, "hub store savepoint failed");
        // Dropping the job answers its caller with `Closed`.
        return Box::new(|_| {});
    }
    let (ok, finish) = job(conn);
    let end = if ok {
        "RELEASE job"
    } else {
        "ROLLBACK TO job; RELEASE job"
    };
    if let Err(error) = conn.execute_batch(end) {
        tracing::error!(%error, "hub store could not end a savepoint");
    }
    finish
}
