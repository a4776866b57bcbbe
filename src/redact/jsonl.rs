//! JSON pointer field location without a DOM.
