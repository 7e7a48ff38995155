//! Appliers for selling's documents arriving from other devices (orders, refunds, shifts,
//! Z reports, vouchers, drawer openings, receipt emails). See `foundation::apply` for the
//! rules: ledgers insert if absent (`ApplyTx::insert_ledger`), lifecycle documents fold
//! their events in `(hlc, device)` order, and what the rules cannot accept is a conflict.

use crate::foundation::apply::Applier;

/// `(entity, applier)` for every entity selling records in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[];
