//! Report stage: renders check results as text (ruff-like), JSON (the contract's document) or
//! SARIF 2.1.0 (for code-scanning upload).
