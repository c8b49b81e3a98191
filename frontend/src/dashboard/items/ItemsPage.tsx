import { useState, type SubmitEvent } from 'react';
import type { Project } from '../../api/client';
import { listItemModels, listItems, type Item, type ItemFilters, type ItemModel } from '../../api/dashboard';
import { FormField } from '../../shared/FormField';
import { Pager } from '../ui/Pager';
import { Section } from '../ui/Section';
import { EmptyState, ErrorState, LoadingState } from '../../shared/StatePanels';
import { formatCount, textOr } from '../../shared/format';
import { filtersFromSearch, itemsHref, STATUS_OPTIONS } from './items';
import { dashboardPath, itemPath, pageFromSearch } from '../../shared/routes';
import { useResource } from '../../shared/data/useResource';
import { Link, navigate, useLocation } from '../../router';
import { useDocumentTitle } from '../../shared/useDocumentTitle';
import '../admin.css';

interface ItemFiltersFormProps {
  filters: ItemFilters;
  models: readonly ItemModel[];
  onApply: (filters: ItemFilters) => void;
}

/** Search text (applied on Enter or the button), model and status (applied at once). */
function ItemFiltersForm({ filters, models, onApply }: ItemFiltersFormProps) {
  const [q, setQ] = useState(filters.q);

  function handleSubmit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    onApply({ ...filters, q: q.trim() });
  }

  return (
    <form className="item-filters" role="search" aria-label="Items" onSubmit={handleSubmit}>
      <FormField label="Search" hint="Prompt, completion text or external id.">
        {(control) => (
          <input
            {...control}
            type="search"
            maxLength={200}
            value={q}
            onChange={(e) => {
              setQ(e.target.value);
            }}
          />
        )}
      </FormField>
      <FormField label="Model">
        {(control) => (
          <select
            {...control}
            value={filters.model}
            onChange={(e) => {
              onApply({ ...filters, q: q.trim(), model: e.target.value });
            }}
          >
            <option value="">All models</option>
            {models
              .filter((model) => model.name !== '')
              .map((model) => (
                <option key={model.name} value={model.name}>
                  {model.name} ({formatCount(model.items)})
                </option>
              ))}
          </select>
        )}
      </FormField>
      <FormField label="Status">
        {(control) => (
          <select
            {...control}
            value={filters.status}
            onChange={(e) => {
              const status = STATUS_OPTIONS.find((option) => option.value === e.target.value)?.value ?? '';
              onApply({ ...filters, q: q.trim(), status });
            }}
          >
            <option value="">Any status</option>
            {STATUS_OPTIONS.map((option) => (
              <option key={option.value} value={option.value}>
                {option.label}
              </option>
            ))}
          </select>
        )}
      </FormField>
      <div className="button-row">
        <button type="submit" className="button button--primary">
          Search
        </button>
      </div>
    </form>
  );
}

/** Gold, complete or needing raters; flagged; disputed. */
export function ItemMarks({
  item,
  ratersPerItem,
}: {
  item: Pick<Item, 'is_gold' | 'ranking_count' | 'flagged' | 'disputed'>;
  ratersPerItem: number;
}) {
  return (
    <span className="item-marks">
      {item.is_gold ? (
        <span className="item-mark item-mark--gold">Gold</span>
      ) : (item.ranking_count ?? 0) >= ratersPerItem ? (
        <span className="item-mark item-mark--complete">Complete</span>
      ) : (
        <span className="item-mark">Needs raters</span>
      )}
      {item.flagged && <span className="item-mark item-mark--flagged">Flagged</span>}
      {item.disputed && <span className="item-mark item-mark--disputed">Disputed</span>}
    </span>
  );
}

function promptText(item: Item): string {
  if (item.messages && item.messages.length > 0) {
    return item.messages.map((message) => `${message.role}: ${message.content}`).join(' · ');
  }
  return textOr(item.text, '(empty prompt)');
}

function modelsOf(item: Item): string {
  const names = [...new Set(item.completions.map((c) => c.model_name ?? '').filter((name) => name !== ''))];
  return names.length === 0 ? '—' : names.join(', ');
}

function ItemTable({ project, items }: { project: Project; items: readonly Item[] }) {
  const ratersPerItem = project.raters_per_item ?? 3;
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Prompt</th>
            <th scope="col">Models</th>
            <th scope="col" className="num">
              Rankings
            </th>
            <th scope="col">Status</th>
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={item.id}>
              <th scope="row">
                <Link to={itemPath(project.id, item.id)}>{item.external_id}</Link>
              </th>
              <td>
                <span className="item-row__text">{promptText(item)}</span>
              </td>
              <td>{modelsOf(item)}</td>
              <td className="num">
                {item.is_gold
                  ? formatCount(item.ranking_count ?? 0)
                  : `${formatCount(item.ranking_count ?? 0)} / ${formatCount(ratersPerItem)}`}
              </td>
              <td>
                <ItemMarks item={item} ratersPerItem={ratersPerItem} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function filtered(filters: ItemFilters): boolean {
  return filters.q !== '' || filters.model !== '' || filters.status !== '';
}

/** Every item of the project, searched and filtered by the server, page by page. */
export function ItemsPage({ project }: { project: Project }) {
  useDocumentTitle(`Items · ${project.name}`);
  const location = useLocation();
  const filters = filtersFromSearch(location.searchParams);
  const page = pageFromSearch(location.searchParams);
  const key = itemsHref(project.id, filters, page);
  const { state, retry } = useResource(`items:${key}`, (signal) => listItems(project.id, filters, page, signal));
  const models = useResource(`item-models:${project.id}`, (signal) => listItemModels(project.id, signal));

  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Items</h1>
        {state.status === 'loaded' && (
          <p className="page__subtitle" role="status">
            {state.data.count === 1 ? '1 item' : `${formatCount(state.data.count)} items`}
            {filtered(filters) ? ' match' : ''}
          </p>
        )}
      </div>
      <Section title="Find items">
        <ItemFiltersForm
          key={filters.q}
          filters={filters}
          models={models.state.status === 'loaded' ? models.state.data : []}
          onApply={(next) => {
            navigate(itemsHref(project.id, next));
          }}
        />
      </Section>
      {state.status === 'loading' && <LoadingState>Loading items…</LoadingState>}
      {state.status === 'error' && <ErrorState title="Couldn’t load the items." error={state.error} onRetry={retry} />}
      {state.status === 'loaded' && state.data.results.length === 0 && (
        <EmptyState title={filtered(filters) ? 'No items match these filters.' : 'This project has no items yet.'}>
          {filtered(filters) ? (
            <Link to={itemsHref(project.id, { q: '', model: '', status: '' })}>Clear the filters</Link>
          ) : project.role === 'admin' ? (
            <Link to={dashboardPath(project.id, 'import')}>Import items</Link>
          ) : (
            'An admin of the project imports them.'
          )}
        </EmptyState>
      )}
      {state.status === 'loaded' && state.data.results.length > 0 && (
        <>
          <ItemTable project={project} items={state.data.results} />
          <Pager
            page={page}
            hasPrevious={state.data.previous !== null && state.data.previous !== undefined}
            hasNext={state.data.next !== null && state.data.next !== undefined}
            hrefFor={(n) => itemsHref(project.id, filters, n)}
            label="Item pages"
          />
        </>
      )}
    </>
  );
}
