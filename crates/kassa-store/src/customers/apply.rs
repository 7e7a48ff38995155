//! Appliers for the customers entities arriving from other devices (see `foundation::apply`).

use crate::foundation::apply::Applier;

/// `(entity, applier)` for every customers entity recorded in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[];
