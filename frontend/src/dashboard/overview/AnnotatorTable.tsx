import type { AnnotatorQuality } from '../../api/dashboard';
import { formatCount, formatDuration, formatPercent, MISSING } from '../../shared/format';
import { EmptyState } from '../../shared/StatePanels';

function positionBias(row: AnnotatorQuality): string {
  if (row.position_bias === null) return MISSING;
  return `${formatPercent(row.position_bias)} (chance ${formatPercent(row.position_chance)})`;
}

/** Each annotator's volume and quality signals, one row each. */
export function AnnotatorTable({ annotators }: { annotators: readonly AnnotatorQuality[] }) {
  if (annotators.length === 0) {
    return <EmptyState title="Nobody has ranked anything yet." />;
  }
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Annotators</caption>
        <thead>
          <tr>
            <th scope="col">Annotator</th>
            <th scope="col" className="num">
              Rankings
            </th>
            <th scope="col" className="num">
              Agreement with consensus
            </th>
            <th scope="col" className="num">
              Gold accuracy
            </th>
            <th scope="col" className="num">
              <abbr title="How often the completion shown first was ranked best, against what chance gives">
                Position bias
              </abbr>
            </th>
            <th scope="col" className="num">
              <abbr title="How often the longer completion won (50% is no bias)">Length bias</abbr>
            </th>
            <th scope="col" className="num">
              Median time
            </th>
          </tr>
        </thead>
        <tbody>
          {annotators.map((row) => (
            <tr key={row.annotator_id}>
              <th scope="row">{row.username}</th>
              <td className="num">{formatCount(row.rankings)}</td>
              <td className="num" title={`${formatCount(row.compared_pairs)} pairs compared`}>
                {formatPercent(row.consensus_agreement)}
              </td>
              <td className="num" title={`${formatCount(row.gold_rankings)} gold items`}>
                {formatPercent(row.gold_accuracy)}
              </td>
              <td className="num">{positionBias(row)}</td>
              <td className="num">{formatPercent(row.length_bias)}</td>
              <td className="num">{formatDuration(row.median_time_ms === null ? null : row.median_time_ms / 1000)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
