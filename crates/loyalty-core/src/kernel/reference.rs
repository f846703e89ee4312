//! References from outside the engine.

use crate::kernel::InvalidValue;

/// A reference from outside (a till's or payment provider's transaction id), or
/// `validation_failed` on `field`: 1 to 64 visible ASCII characters.
///
/// # Errors
/// `validation_failed` on `field`.
pub fn check_reference(field: &'static str, value: &str) -> crate::Result<()> {
    if value.is_empty() || value.len() > 64 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(InvalidValue::new(field, "1 to 64 visible ASCII characters").into());
    }
    Ok(())
}
