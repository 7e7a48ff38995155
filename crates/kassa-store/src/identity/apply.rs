//! Appliers for the identity entities arriving from other devices (see `foundation::apply`).

use crate::foundation::apply::Applier;

/// `(entity, applier)` for every identity entity recorded in the outbox.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[];
