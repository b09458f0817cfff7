//! The dialog kit: [`Modal`], the browser's own `<dialog>` every dialog of the web app is made of,
//! and [`ConfirmDialog`], the question asked before an action that can't be undone (never the
//! browser's `confirm()`, which a screen reader, a test and the theme can't reach), and
//! [`DialogActions`], a dialog form's submit button and Cancel.

mod actions;
mod confirm;
mod modal;

pub use actions::DialogActions;
pub use confirm::{ConfirmDialog, DeleteRowDialog};
pub use modal::{unique_id, Modal};
