//! The catalog as stored: products, services and variants, their barcodes, the category
//! tree, tax classes, price history, and the full-text index that finds them.
//!
//! Every write records its outbox change and its audit entry in the caller's transaction.
//! The full-text index (`product_search`) is kept here, in the same transaction as the
//! product, so a product is findable exactly when it exists.

pub(crate) mod apply;
pub mod csv;
pub mod stock;

mod categories;
mod edit;
mod model;
mod products;
mod search;
mod tax_classes;

pub use categories::*;
pub use edit::*;
pub use model::*;
pub use products::*;
pub use search::*;
pub use tax_classes::*;
