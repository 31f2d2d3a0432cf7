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
