//! Many devices pushing at once: the store's log still has one place per change, no holes,
//! and each device's changes in its own order.

use super::fixtures::*;
use crate::Storage;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

pub(super) type Task<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Polls every task until all are done, so their storage calls overlap (no runtime needed).
pub(super) async fn join_all(mut tasks: Vec<Option<Task<'_>>>) {
    std::future::poll_fn(move |cx| {
        for slot in tasks.iter_mut() {
            if let Some(task) = slot
                && task.as_mut().poll(cx).is_ready()
            {
                *slot = None;
            }
        }
        if tasks.iter().all(Option::is_none) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

pub async fn concurrent_pushes_fill_the_log_without_holes(s: &dyn Storage) {
    const DEVICES: u64 = 8;
    const BATCHES: u64 = 5;
    const PER_BATCH: u64 = 3;
    new_store(s, STORE_A, DEV_1).await;
    let devices: Vec<String> = (0..DEVICES)
        .map(|i| format!("0190d000-0000-7000-8000-0000000001{i:02x}"))
        .collect();
    for d in &devices {
        join(s, STORE_A, d).await;
    }
    let tasks = devices
        .iter()
        .map(|d| {
            let task: Task<'_> = Box::pin(async move {
                for b in 0..BATCHES {
                    let seqs = (b * PER_BATCH + 1)..=(b * PER_BATCH + PER_BATCH);
                    push(s, STORE_A, d, &format!("b{b}"), seqs, T2)
                        .await
                        .expect("a push among many");
                }
            });
            Some(task)
        })
        .collect();
    join_all(tasks).await;

    let total = DEVICES * BATCHES * PER_BATCH;
    let page = s.pull(STORE_A, "nobody", 0, 5_000).await.expect("pull");
    let places: Vec<u64> = page.changes.iter().map(|e| e.server_seq).collect();
    assert_eq!(
        places,
        (1..=total).collect::<Vec<_>>(),
        "one place per change, no holes"
    );
    assert_eq!((page.cursor, page.remaining), (total, 0));
    for d in &devices {
        let mine: Vec<&str> = page
            .changes
            .iter()
            .filter(|e| &e.change.device_id == d)
            .map(|e| e.change.change_id.as_str())
            .collect();
        let want: Vec<String> = (1..=BATCHES * PER_BATCH).map(|q| cid(d, q)).collect();
        assert_eq!(mine, want, "device {d}'s changes in its own order");
    }
    let acked: Vec<u64> = s
        .devices(STORE_A)
        .await
        .expect("devices")
        .iter()
        .skip(1)
        .map(|d| d.acked_seq)
        .collect();
    assert_eq!(acked, vec![BATCHES * PER_BATCH; DEVICES as usize]);
}
