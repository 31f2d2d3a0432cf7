//! SQL text built at run time, the same for both databases but for their placeholders.

use super::WriteTx;

impl WriteTx {
    /// `rows` groups of `columns` parameters for a multi-row INSERT. SQLite gets anonymous
    /// `?`: it looks a numbered `$n` up by name in a list, which made a 4,000-parameter
    /// statement spend most of its time finding its parameters.
    pub(super) fn rows_of(&self, rows: usize, columns: usize) -> String {
        let mut sql = String::with_capacity(rows * columns * 5);
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ",(" });
            for c in 0..columns {
                if c > 0 {
                    sql.push(',');
                }
                match self {
                    WriteTx::Sqlite(_) => sql.push('?'),
                    WriteTx::Postgres(_) => {
                        sql.push('$');
                        sql.push_str(&(r * columns + c + 1).to_string());
                    }
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// Appends one row of PostgreSQL's `COPY … FROM STDIN` text format: columns separated by tabs,
/// the row ended by a newline, and the characters that would end a column or a row early
/// (backslash, tab, newline, carriage return) escaped. No column is ever `\N` (NULL): a
/// backslash in the text is always doubled.
pub(super) fn push_copy_row(out: &mut String, columns: &[&str]) {
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        // Most text has nothing to escape: copied whole.
        if !column
            .bytes()
            .any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
        {
            out.push_str(column);
            continue;
        }
        for c in column.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::push_copy_row;

    #[test]
    fn a_copy_row_escapes_what_would_end_a_column_or_a_row() {
        let mut out = String::new();
        push_copy_row(&mut out, &["a\tb", r#"{"d":"say \"hi\" \\ é"}"#, "x\ny\rz"]);
        push_copy_row(&mut out, &[r"\N"]);
        let expected = "a\\tb\t{\"d\":\"say \\\\\"hi\\\\\" \\\\\\\\ é\"}\tx\\ny\\rz\n\\\\N\n";
        assert_eq!(out, expected);
    }
}
