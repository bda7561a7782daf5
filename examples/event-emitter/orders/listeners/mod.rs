//! `src/orders/listeners/`.

pub(crate) mod order_created;
