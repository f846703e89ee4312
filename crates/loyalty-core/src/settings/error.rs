//! What the settings feature refuses, and what it does not find.

use crate::kernel::Subject;

/// A version this request named does not exist for the caller.
pub const VERSION: Subject = Subject::new("version", "version_not_found");
