//! Appliers for the foundation's entities arriving from other devices: the store, its
//! settings and the audit chains (see `foundation::apply`).

use crate::foundation::apply::Applier;

/// `(entity, applier)` for the foundation's entities.
pub(crate) const APPLIERS: &[(&str, Applier)] = &[];
