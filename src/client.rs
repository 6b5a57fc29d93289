//! Blocking driver (placeholder).
