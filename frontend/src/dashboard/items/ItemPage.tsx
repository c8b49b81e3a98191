import type { Project } from '../../api/client';
import { getItem, type ItemConsensus, type ItemDetail, type ItemRanking } from '../../api/dashboard';
import { ChatTranscript } from '../../shared/ChatTranscript';
import { MarkdownView } from '../../shared/MarkdownView';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import {
  formatCount,
  formatDateTime,
  formatDecimal,
  formatDuration,
  formatPercent,
  MISSING,
  textOr,
} from '../../shared/format';
import { completionLetters, orderText } from './items';
import { dashboardPath } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { Link } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';
import { ItemMarks } from './ItemsPage';
import '../admin.css';

type Letters = ReadonlyMap<number, string>;

const FLAG_REASONS: Record<string, string> = {
  unsafe: 'unsafe content',
  broken: 'broken item',
  all_bad: 'all completions are bad',
};

function outcome(ranking: ItemRanking, letters: Letters): string {
  if (ranking.kind === 'skipped') return `Skipped: ${ranking.skip_reason}`;
  if (ranking.kind === 'flagged') {
    const reason = FLAG_REASONS[ranking.flag_reason] ?? ranking.flag_reason;
    return `Flagged (${reason})${ranking.flag_note ? `: ${ranking.flag_note}` : ''}`;
  }
  return orderText(ranking.tiers ?? [], letters);
}

function ItemCompletions({ item, letters }: { item: ItemDetail; letters: Letters }) {
  return (
    <div className="item-completions">
      {item.completions.map((completion) => (
        <article key={completion.id} className="item-completion" aria-label={`Completion ${letters.get(completion.id)}`}>
          <h3 className="item-completion__header">
            <span className="item-letter" aria-hidden="true">
              {letters.get(completion.id)}
            </span>
            <span className="model-name">{textOr(completion.model_name, 'Unknown model')}</span>
          </h3>
          <MarkdownView source={completion.text} />
        </article>
      ))}
    </div>
  );
}

function RankingTable({ item, letters }: { item: ItemDetail; letters: Letters }) {
  if (item.rankings.length === 0) return <EmptyState title="Nobody has ranked this item yet." />;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Rankings</caption>
        <thead>
          <tr>
            <th scope="col">Rater</th>
            <th scope="col">Ranking, best first</th>
            <th scope="col" className="num">
              Agrees with the others
            </th>
            {item.is_gold && (
              <th scope="col" className="num">
                Gold score
              </th>
            )}
            <th scope="col" className="num">
              Time
            </th>
            <th scope="col" className="num">
              Revision
            </th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {item.rankings.map((ranking) => (
            <tr key={ranking.id}>
              <th scope="row">
                {ranking.rater}
                {ranking.username !== null && ranking.username !== ranking.rater && (
                  <span className="muted"> · {ranking.username}</span>
                )}
              </th>
              <td className={ranking.kind === 'ranked' ? 'item-order' : undefined}>{outcome(ranking, letters)}</td>
              <td className="num">{formatPercent(ranking.agreement_with_others, 0)}</td>
              {item.is_gold && <td className="num">{formatDecimal(ranking.gold_score, 2)}</td>}
              <td className="num">
                {ranking.time_spent_ms === null ? MISSING : formatDuration(ranking.time_spent_ms / 1000)}
              </td>
              <td className="num">{ranking.revision}</td>
              <td>{formatDateTime(ranking.updated_at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ConsensusPanel({ consensus, letters }: { consensus: ItemConsensus | null; letters: Letters }) {
  if (consensus === null) {
    return (
      <EmptyState title="No consensus yet.">
        It is computed every few minutes for items that have all their raters.
      </EmptyState>
    );
  }
  return (
    <div className="stack">
      <dl className="facts facts--inline">
        <div className="facts__row">
          <dt>Order</dt>
          <dd className="item-order">{orderText(consensus.tiers, letters)}</dd>
        </div>
        <div className="facts__row">
          <dt>Method</dt>
          <dd>{consensus.method === 'bradley_terry' ? 'Bradley–Terry' : consensus.method.replace('_', ' ')}</dd>
        </div>
        <div className="facts__row">
          <dt>Raters</dt>
          <dd>{formatCount(consensus.raters)}</dd>
        </div>
        <div className="facts__row">
          <dt>Computed</dt>
          <dd>{formatDateTime(consensus.computed_at)}</dd>
        </div>
      </dl>
      {!consensus.up_to_date && (
        <p className="notice notice--warning">Rankings changed since: the next refresh recomputes it.</p>
      )}
      {consensus.pairs.length > 0 && (
        <div className="table-scroll">
          <table className="data-table data-table--compact">
            <caption className="visually-hidden">Consensus pairs and how the raters voted</caption>
            <thead>
              <tr>
                <th scope="col">Pair</th>
                <th scope="col" className="num">
                  Raters for
                </th>
                <th scope="col" className="num">
                  Against
                </th>
                <th scope="col" className="num">
                  Tied
                </th>
              </tr>
            </thead>
            <tbody>
              {consensus.pairs.map((pair) => (
                <tr key={`${pair.chosen}-${pair.rejected}`}>
                  <th scope="row" className="item-order">
                    {orderText([[pair.chosen], [pair.rejected]], letters)}
                  </th>
                  <td className="num">{pair.agree}</td>
                  <td className="num">{pair.disagree}</td>
                  <td className="num">{pair.tie}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function AgreementFacts({ item }: { item: ItemDetail }) {
  const { agreement } = item;
  return (
    <dl className="facts facts--inline">
      <div className="facts__row">
        <dt>Raters</dt>
        <dd>{formatCount(agreement.raters)}</dd>
      </div>
      <div className="facts__row">
        <dt>Kendall’s W</dt>
        <dd>{formatDecimal(agreement.kendall_w, 2)}</dd>
      </div>
      <div className="facts__row">
        <dt>Pairwise agreement</dt>
        <dd>{formatPercent(agreement.pairwise_agreement, 0)}</dd>
      </div>
    </dl>
  );
}

function ItemView({ project, item }: { project: Project; item: ItemDetail }) {
  const letters = completionLetters(item.completions);
  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Item {item.external_id}</h1>
        <ItemMarks item={item} ratersPerItem={project.raters_per_item ?? 3} />
      </div>
      <Section title="Prompt">
        <div className="item-prompt">
          {item.messages && item.messages.length > 0 ? (
            <ChatTranscript messages={item.messages} />
          ) : (
            <MarkdownView source={item.text} />
          )}
        </div>
        {item.gold_tiers && (
          <p>
            Gold ranking: <span className="item-order">{orderText(item.gold_tiers, letters)}</span>
          </p>
        )}
      </Section>
      <Section title="Completions">
        <ItemCompletions item={item} letters={letters} />
      </Section>
      <Section title={`Rankings (${formatCount(item.rankings.length)})`}>
        {project.role !== 'admin' && (
          <p className="muted">Raters are numbered in the order they first ranked in this project; admins see names.</p>
        )}
        <RankingTable item={item} letters={letters} />
      </Section>
      <Section title="Agreement">
        <p className="muted">
          Kendall’s W: 1 when every rater gave the same order, 0 when they cancel out. Pairwise agreement: the share of
          rater pairs that order a pair of completions alike.
        </p>
        <AgreementFacts item={item} />
      </Section>
      <Section title="Consensus">
        <ConsensusPanel consensus={item.consensus} letters={letters} />
      </Section>
    </>
  );
}

/** One item: its prompt, completions with their models, every ranking, agreement and consensus. */
export function ItemPage({ project, promptId }: { project: Project; promptId: number }) {
  const { state, retry } = useResource(`item:${project.id}:${promptId}`, (signal) => getItem(project.id, promptId, signal));
  useDocumentTitle(state.status === 'loaded' ? `Item ${state.data.external_id} · ${project.name}` : `Item · ${project.name}`);
  return (
    <>
      <Link to={dashboardPath(project.id, 'items')} className="back-link">
        ← Items
      </Link>
      {state.status === 'loading' && <LoadingState>Loading the item…</LoadingState>}
      {state.status === 'error' && (
        <ErrorState
          title={state.error.status === 404 ? 'This project has no such item.' : 'Couldn’t load the item.'}
          error={state.error}
          onRetry={state.error.status === 404 ? undefined : retry}
        />
      )}
      {state.status === 'loaded' && <ItemView project={project} item={state.data} />}
    </>
  );
}
