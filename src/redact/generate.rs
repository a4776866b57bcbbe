//! Synthetic corpus generator.
