import { useState } from 'react';
import importFormats from './importFormats.json';

interface ParquetColumn {
  name: string;
  type: string;
  note: string;
}

export interface ImportFormat {
  key: string;
  label: string;
  file: string;
  notes: string[];
  example?: string;
  columns?: ParquetColumn[];
}

// The backend's tests import these very examples, so what is shown here is importable.
export const IMPORT_FORMATS: readonly ImportFormat[] = importFormats.formats;

function ColumnTable({ columns }: { columns: readonly ParquetColumn[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table data-table--compact">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {columns.map((column) => (
            <tr key={column.name}>
              <th scope="row" className="mono">
                {column.name}
              </th>
              <td className="mono">{column.type}</td>
              <td>{column.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** What an import file looks like, one file type at a time. */
export function ImportFormatExample() {
  const [key, setKey] = useState(IMPORT_FORMATS[0]?.key);
  const shown = IMPORT_FORMATS.find((format) => format.key === key) ?? IMPORT_FORMATS[0];
  if (!shown) return null;
  return (
    <div className="stack stack--tight">
      <div className="button-row" role="group" aria-label="File type">
        {IMPORT_FORMATS.map((format) => (
          <button
            key={format.key}
            type="button"
            className="button button--small"
            aria-pressed={format.key === shown.key}
            onClick={() => {
              setKey(format.key);
            }}
          >
            {format.label}
          </button>
        ))}
      </div>
      {shown.example !== undefined && (
        <pre className="format-example" aria-label={`Example ${shown.file}`} tabIndex={0}>
          {shown.example}
        </pre>
      )}
      {shown.columns && <ColumnTable columns={shown.columns} />}
      <ul className="format-notes">
        {shown.notes.map((note) => (
          <li key={note}>{note}</li>
        ))}
      </ul>
    </div>
  );
}
