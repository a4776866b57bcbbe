//! Batch redaction (streaming text and JSONL).
