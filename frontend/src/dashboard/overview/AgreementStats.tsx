import type { ProjectAgreement } from '../../api/dashboard';
import { formatCount, formatDecimal, formatPercent } from '../../shared/format';

/** The project's agreement figures as a row of tiles. */
export function AgreementStats({ agreement }: { agreement: ProjectAgreement }) {
  const tiles: [string, string][] = [
    ['Pairwise agreement', formatPercent(agreement.pairwise_agreement)],
    ['Krippendorff’s α', formatDecimal(agreement.krippendorff_alpha)],
    ['Mean Kendall’s W', formatDecimal(agreement.mean_kendall_w)],
    ['Rankings', formatCount(agreement.rankings)],
    ['Annotators', formatCount(agreement.annotators)],
    ['Items with 2+ rankings', formatCount(agreement.multi_rated_prompts)],
    ['Items with a consensus', formatCount(agreement.consensus_prompts)],
  ];
  return (
    <dl className="stat-tiles">
      {tiles.map(([label, value]) => (
        <div key={label} className="stat-tile">
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
