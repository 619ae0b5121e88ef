//! A small typed table writer over the `parquet` crate's column writers: rows go into per-column buffers, and
//! every [`ROW_GROUP_ROWS`] rows the buffers become one row group, so memory stays bounded however many rows a
//! run has. Every column is OPTIONAL (a missing figure is a null, never a made-up zero).

use std::sync::Arc;

use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use parquet::schema::types::ColumnPath;

use crate::spool::{Spool, Spooled};
use crate::time::Timestamp;

/// Rows per row group: a few MiB of buffered values for the widest table, and still large enough for Athena and
/// DuckDB to read efficiently.
pub const ROW_GROUP_ROWS: usize = 8192;

/// The type of a column, with its Parquet physical/logical type and its Glue (Hive) type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// UTF-8 text: `BYTE_ARRAY (STRING)`, Glue `string`.
    Text,
    /// A count: `INT64`, Glue `bigint`.
    Int,
    /// A figure: `DOUBLE`, Glue `double`.
    Float,
    /// A flag: `BOOLEAN`, Glue `boolean`.
    Bool,
    /// An instant: `INT64 (TIMESTAMP(MILLIS, UTC))`, Glue `timestamp`.
    Timestamp,
    /// A UTC calendar day: `INT32 (DATE)`, Glue `date`.
    Date,
}

impl Kind {
    /// The Glue / Hive column type (what `template.yaml` declares).
    pub fn glue_type(self) -> &'static str {
        match self {
            Self::Text => "string",
            Self::Int => "bigint",
            Self::Float => "double",
            Self::Bool => "boolean",
            Self::Timestamp => "timestamp",
            Self::Date => "date",
        }
    }

    fn parquet_type(self) -> &'static str {
        match self {
            Self::Text => "BYTE_ARRAY {} (STRING)",
            Self::Int => "INT64 {}",
            Self::Float => "DOUBLE {}",
            Self::Bool => "BOOLEAN {}",
            Self::Timestamp => "INT64 {} (TIMESTAMP(MILLIS,true))",
            Self::Date => "INT32 {} (DATE)",
        }
    }
}

/// One column of a lake table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// snake_case name.
    pub name: &'static str,
    /// Its type.
    pub kind: Kind,
}

/// A cell of a row, in the column's kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// [`Kind::Text`].
    Text(Option<String>),
    /// [`Kind::Int`].
    Int(Option<i64>),
    /// [`Kind::Float`].
    Float(Option<f64>),
    /// [`Kind::Bool`].
    Bool(Option<bool>),
    /// [`Kind::Timestamp`].
    Timestamp(Option<Timestamp>),
    /// [`Kind::Date`], as days since 1970-01-01.
    Date(Option<i32>),
}

/// Why a lake object could not be written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The Parquet writer failed.
    #[error("writing the {table} Parquet object")]
    Parquet {
        /// Table name.
        table: &'static str,
        /// The writer's error.
        #[source]
        source: ParquetError,
    },
    /// The object's temporary file could not be finished.
    #[error("spooling the {table} Parquet object")]
    Spool {
        /// Table name.
        table: &'static str,
        /// The file's error.
        #[source]
        source: std::io::Error,
    },
    /// A row did not match the table's columns (a programming error, reported rather than panicking).
    #[error("a {table} row does not match its columns at column {column}")]
    Shape {
        /// Table name.
        table: &'static str,
        /// The first column that did not match.
        column: usize,
    },
}

enum Values {
    Bytes(Vec<ByteArray>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    F64(Vec<f64>),
    Bool(Vec<bool>),
}

struct Buffer {
    values: Values,
    /// Definition levels: 1 for a value, 0 for a null.
    defs: Vec<i16>,
}

impl Buffer {
    fn new(kind: Kind) -> Self {
        let values = match kind {
            Kind::Text => Values::Bytes(Vec::new()),
            Kind::Int | Kind::Timestamp => Values::I64(Vec::new()),
            Kind::Date => Values::I32(Vec::new()),
            Kind::Float => Values::F64(Vec::new()),
            Kind::Bool => Values::Bool(Vec::new()),
        };
        Self {
            values,
            defs: Vec::new(),
        }
    }

    /// Appends `value`; false when its kind is not the column's.
    fn push(&mut self, value: Value) -> bool {
        fn put<T>(values: &mut Vec<T>, defs: &mut Vec<i16>, value: Option<T>) -> bool {
            defs.push(i16::from(value.is_some()));
            values.extend(value);
            true
        }
        let defs = &mut self.defs;
        match (&mut self.values, value) {
            (Values::Bytes(v), Value::Text(x)) => {
                put(v, defs, x.map(|s| ByteArray::from(s.into_bytes())))
            }
            (Values::I64(v), Value::Int(x)) => put(v, defs, x),
            (Values::I64(v), Value::Timestamp(x)) => put(v, defs, x.map(|t| t.timestamp_millis())),
            (Values::I32(v), Value::Date(x)) => put(v, defs, x),
            (Values::F64(v), Value::Float(x)) => put(v, defs, x.filter(|f| f.is_finite())),
            (Values::Bool(v), Value::Bool(x)) => put(v, defs, x),
            _ => false,
        }
    }

    fn clear(&mut self) {
        self.defs.clear();
        match &mut self.values {
            Values::Bytes(v) => v.clear(),
            Values::I64(v) => v.clear(),
            Values::I32(v) => v.clear(),
            Values::F64(v) => v.clear(),
            Values::Bool(v) => v.clear(),
        }
    }
}

/// Writes one Parquet object row by row (in memory while small, else in a temporary file: [`Spool`]).
pub struct TableWriter {
    table: &'static str,
    columns: &'static [Column],
    buffers: Vec<Buffer>,
    rows: usize,
    writer: SerializedFileWriter<Spool>,
}

impl std::fmt::Debug for TableWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableWriter")
            .field("table", &self.table)
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl TableWriter {
    /// A writer of table `table` (the Parquet schema's name) with `columns`: numbers Snappy-compressed, text
    /// zstd-compressed at level 1. Text is where a run's size lies when its names are long and distinct (a
    /// dictionary cannot help then): the tasks of a 100,000-task run with 200-character multi-byte names came to
    /// 52 MB with LZ4, 36 MB with gzip level 2 and 32 MB with zstd level 1, which took half gzip's time.
    pub fn new(table: &'static str, columns: &'static [Column]) -> Result<Self, TableError> {
        let wrap = |source| TableError::Parquet { table, source };
        let schema = Arc::new(parse_message_type(&message_type(table, columns)).map_err(wrap)?);
        let text = Compression::ZSTD(ZstdLevel::try_new(1).map_err(wrap)?);
        let properties = columns
            .iter()
            .filter(|c| c.kind == Kind::Text)
            .fold(
                WriterProperties::builder().set_compression(Compression::SNAPPY),
                |builder, c| builder.set_column_compression(ColumnPath::from(c.name), text),
            )
            .set_created_by(concat!("omics-introspect ", env!("CARGO_PKG_VERSION")).to_owned())
            .build();
        let writer =
            SerializedFileWriter::new(Spool::new(), schema, Arc::new(properties)).map_err(wrap)?;
        Ok(Self {
            table,
            columns,
            buffers: columns.iter().map(|c| Buffer::new(c.kind)).collect(),
            rows: 0,
            writer,
        })
    }

    /// Appends one row (one value per column, in column order); a full buffer is written out as a row group.
    pub fn push(&mut self, row: Vec<Value>) -> Result<(), TableError> {
        let shape = |column| TableError::Shape {
            table: self.table,
            column,
        };
        if row.len() != self.columns.len() {
            return Err(shape(row.len().min(self.columns.len())));
        }
        for (i, (buffer, value)) in self.buffers.iter_mut().zip(row).enumerate() {
            if !buffer.push(value) {
                return Err(shape(i));
            }
        }
        self.rows += 1;
        if self.rows == ROW_GROUP_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    /// Writes the buffered rows as one row group.
    fn flush(&mut self) -> Result<(), TableError> {
        let table = self.table;
        let wrap = |source| TableError::Parquet { table, source };
        let mut group = self.writer.next_row_group().map_err(wrap)?;
        for buffer in &mut self.buffers {
            let mut column = group
                .next_column()
                .map_err(wrap)?
                .ok_or(TableError::Shape { table, column: 0 })?;
            let defs = Some(buffer.defs.as_slice());
            match &buffer.values {
                Values::Bytes(v) => column.typed::<ByteArrayType>().write_batch(v, defs, None),
                Values::I64(v) => column.typed::<Int64Type>().write_batch(v, defs, None),
                Values::I32(v) => column.typed::<Int32Type>().write_batch(v, defs, None),
                Values::F64(v) => column.typed::<DoubleType>().write_batch(v, defs, None),
                Values::Bool(v) => column.typed::<BoolType>().write_batch(v, defs, None),
            }
            .map_err(wrap)?;
            column.close().map_err(wrap)?;
            buffer.clear();
        }
        group.close().map_err(wrap)?;
        self.rows = 0;
        Ok(())
    }

    /// Writes the last row group and the footer; answers the object's bytes.
    pub fn finish(mut self) -> Result<Spooled, TableError> {
        if self.rows > 0 {
            self.flush()?;
        }
        let table = self.table;
        self.writer
            .into_inner()
            .map_err(|source| TableError::Parquet { table, source })?
            .finish()
            .map_err(|source| TableError::Spool { table, source })
    }
}

/// The Parquet message type of a table: every column OPTIONAL.
fn message_type(table: &str, columns: &[Column]) -> String {
    let fields: String = columns
        .iter()
        .map(|c| {
            format!(
                "  OPTIONAL {};\n",
                c.kind.parquet_type().replace("{}", c.name)
            )
        })
        .collect();
    format!("message {table} {{\n{fields}}}")
}
