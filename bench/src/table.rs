//! The reports' plain-text tables: left-aligned text columns and right-aligned number columns, a
//! row of dashes under the header, two spaces between columns.

use std::fmt::Write as _;

pub struct Table {
    header: Vec<&'static str>,
    right: Vec<bool>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Columns as `(header, right-aligned)`.
    pub fn new(columns: &[(&'static str, bool)]) -> Self {
        Table { header: columns.iter().map(|c| c.0).collect(), right: columns.iter().map(|c| c.1).collect(), rows: Vec::new() }
    }

    pub fn render(&self, out: &mut String) {
        let widths: Vec<usize> = (0..self.header.len())
            .map(|i| self.rows.iter().map(|r| r[i].chars().count()).chain([self.header[i].chars().count()]).max().unwrap_or(0))
            .collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| if self.right[i] { format!("{cell:>w$}", w = widths[i]) } else { format!("{cell:<w$}", w = widths[i]) })
                .collect();
            parts.join("  ").trim_end().to_owned()
        };
        let header: Vec<String> = self.header.iter().map(|h| (*h).to_owned()).collect();
        let _ = writeln!(out, "{}", line(&header));
        let _ = writeln!(out, "{}", line(&widths.iter().map(|w| "-".repeat(*w)).collect::<Vec<_>>()));
        for row in &self.rows {
            let _ = writeln!(out, "{}", line(row));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn tables_align_text_left_and_numbers_right() {
        let mut table = Table::new(&[("what", false), ("req/s", true), ("note", false)]);
        table.rows.push(vec!["static".into(), "12345.6".into(), String::new()]);
        table.rows.push(vec!["catalog ÷".into(), "7.0".into(), "slow".into()]);
        let mut out = String::new();
        table.render(&mut out);
        assert_eq!(
            out,
            "what         req/s  note\n---------  -------  ----\nstatic     12345.6\ncatalog ÷      7.0  slow\n"
        );
    }
}
