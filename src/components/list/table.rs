//! The list kit's table: every list screen's `<table>` with its caption and header row, written once.

use crate::components::bulk::{SelectAllBox, Selection};
use leptos::prelude::*;

/// One header cell of a [`DataTable`].
#[derive(Clone)]
pub struct Column {
    kind: ColumnKind,
    shown: Signal<bool>,
}

#[derive(Clone)]
enum ColumnKind {
    Text(&'static str),
    /// Right-aligned, as numbers are.
    Numeric(&'static str),
    /// The rows' buttons: a header screen readers read as "Actions", shown to nobody.
    Actions,
    /// The rows' check boxes, headed by a box that selects the whole page.
    SelectAll(Selection),
}

impl Column {
    fn of(kind: ColumnKind) -> Self {
        Column { kind, shown: Signal::stored(true) }
    }

    pub fn text(label: &'static str) -> Self {
        Self::of(ColumnKind::Text(label))
    }

    pub fn numeric(label: &'static str) -> Self {
        Self::of(ColumnKind::Numeric(label))
    }

    pub fn actions() -> Self {
        Self::of(ColumnKind::Actions)
    }

    pub fn select_all(selection: Selection) -> Self {
        Self::of(ColumnKind::SelectAll(selection))
    }

    /// Only while `shown` holds (a column for managers only, a column for some views).
    pub fn when(self, shown: impl Into<Signal<bool>>) -> Self {
        Column { shown: shown.into(), ..self }
    }

    fn header(&self) -> AnyView {
        match self.kind.clone() {
            ColumnKind::Text(label) => view! { <th scope="col">{label}</th> }.into_any(),
            ColumnKind::Numeric(label) => view! { <th scope="col" class="num">{label}</th> }.into_any(),
            ColumnKind::Actions => view! { <th scope="col"><span class="visually-hidden">"Actions"</span></th> }.into_any(),
            ColumnKind::SelectAll(selection) => view! { <th scope="col" class="select-col"><SelectAllBox selection/></th> }.into_any(),
        }
    }
}

/// A list's table: `table` plus `class`, a caption for screen readers, the header row of
/// `columns`, and the rows (the children) as its body.
#[component]
pub fn DataTable(
    /// Classes after `table` (`compact`, the list's own class).
    #[prop(optional)]
    class: &'static str,
    /// What the rows are, read out before the table.
    #[prop(into)]
    caption: Signal<String>,
    columns: Vec<Column>,
    children: Children,
) -> impl IntoView {
    let class = if class.is_empty() { "table".to_owned() } else { format!("table {class}") };
    view! {
        <table class=class>
            <caption class="visually-hidden">{caption}</caption>
            <thead><tr>
                {columns.into_iter().map(|column| {
                    let shown = column.shown;
                    move || shown.get().then(|| column.header())
                }).collect_view()}
            </tr></thead>
            <tbody>{children()}</tbody>
        </table>
    }
}
