//! The behaviour every storage backend must show, as tests a backend's own test suite runs.
//!
//! Each case takes a fresh, empty storage and panics with a message when the backend
//! does not behave as the [`Storage`] docs say. [`run_all`] runs every case, each on a
//! new storage from the backend's factory:
//!
//! ```ignore
//! #[tokio::test]
//! async fn conformance() {
//!     kassa_server_storage::conformance::run_all(|| async { Arc::new(open_temp()) as Arc<dyn Storage> }).await;
//! }
//! ```
//!
//! Times are fixed RFC 3339 texts so the cases never depend on the clock. The audit trail
//! is oldest first; entries made at the same time keep the order they were made in.

mod allotments;
mod cards;
mod concurrency;
mod devices;
mod email;
mod fixtures;
mod log;
mod pairing;
mod refunds;

pub use allotments::*;
pub use cards::*;
pub use concurrency::*;
pub use devices::*;
pub use email::*;
pub use fixtures::{STORE_A, STORE_B};
pub use log::*;
pub use pairing::*;
pub use refunds::*;

use crate::Storage;
use std::future::Future;
use std::ops::Deref;

/// Runs every case, each on a new storage made by `make`.
pub async fn run_all<F, Fut, S>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
    S: Deref<Target = dyn Storage>,
{
    macro_rules! cases {
        ($($case:ident),* $(,)?) => {
            $(
                {
                    let storage = make().await;
                    eprintln!("conformance: {}", stringify!($case));
                    $case(&*storage).await;
                }
            )*
        };
    }
    cases!(
        devices_of_a_store_get_codes_01_then_02,
        a_joining_device_receives_the_stores_sealed_key,
        a_first_device_without_a_store_key_is_refused,
        a_pairing_code_works_once,
        an_expired_pairing_code_is_refused,
        a_new_store_code_for_a_store_that_exists_is_a_conflict,
        a_device_id_paired_twice_is_a_conflict,
        a_token_hash_finds_its_device,
        pushes_take_consecutive_log_places_across_devices,
        a_replayed_batch_gives_the_first_answer_and_adds_nothing,
        a_batch_id_reused_with_other_changes_is_refused,
        a_resent_change_in_a_new_batch_is_skipped,
        a_sequence_reused_with_another_change_blocks_the_device,
        a_batch_that_skips_sequences_is_refused,
        pull_pages_in_log_order_without_the_readers_own_changes,
        a_pull_page_ends_with_the_change_that_takes_it_past_its_byte_limit,
        a_store_never_sees_another_stores_log,
        devices_list_their_acked_sequence_and_last_sync,
        store_health_tells_devices_the_oldest_sync_and_open_cards,
        revoking_a_device_is_audited_once_and_only_within_its_store,
        revoking_a_device_rotates_the_store_key_and_keeps_every_epoch,
        the_audit_trail_tells_pairings_codes_revocations_and_blocks,
        concurrent_pushes_fill_the_log_without_holes,
        a_card_payment_asked_twice_with_its_key_is_kept_once,
        a_card_payment_keeps_the_providers_answer_and_audits_it,
        card_payments_are_listed_by_when_they_were_asked,
        a_provider_event_is_kept_once,
        a_devices_offline_exposure_counts_what_it_still_had_pending,
        a_card_refund_is_kept_once_and_never_above_what_was_captured,
        a_stores_setting_is_the_latest_its_devices_set,
        a_pushed_email_is_queued_and_taken_by_one_sender,
        an_attempt_ends_sent_retried_or_failed,
        the_newest_receipt_language_wins_by_its_stamp,
        an_allotment_within_the_pools_capacity_is_granted,
        an_allotment_beyond_the_capacity_is_refused_and_changes_nothing,
        the_store_devices_share_a_pool,
        lowering_an_allotment_gives_its_seats_back,
        a_stale_or_repeated_allotment_version_changes_nothing,
        a_pools_capacity_is_its_newest_change_that_carries_seats,
        an_allotment_of_a_pool_the_server_has_not_heard_of_is_not_found,
        concurrent_allotments_never_hold_more_than_the_capacity,
    );
}
