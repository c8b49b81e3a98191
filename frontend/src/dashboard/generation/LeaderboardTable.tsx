import type { Leaderboard } from '../../api/generation';

/** Models by their Bradley–Terry rating from the human rankings, with 95% intervals. */
export function LeaderboardTable({ board }: { board: Leaderboard }) {
  if (board.games === 0) return <p className="muted">No rankings between two models yet.</p>;
  return (
    <>
      <table className="table" aria-label="Model leaderboard">
        <thead>
          <tr>
            <th>Model</th>
            <th>Rating</th>
            <th>95% interval</th>
            <th>Wins</th>
            <th>Games</th>
          </tr>
        </thead>
        <tbody>
          {board.standings.map((row) => (
            <tr key={row.model}>
              <td>{row.model}</td>
              <td>{Math.round(row.rating)}</td>
              <td>
                {Math.round(row.lower)}–{Math.round(row.upper)}
              </td>
              <td>{row.wins}</td>
              <td>{row.games}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table className="table" aria-label="Win rates">
        <caption>Share of the row model’s games against the column model that it won</caption>
        <thead>
          <tr>
            <th />
            {board.models.map((m) => (
              <th key={m}>{m}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {board.models.map((m, i) => (
            <tr key={m}>
              <th>{m}</th>
              {board.win_rate[i]?.map((rate, j) => (
                <td key={board.models[j]}>{rate === null ? '—' : `${Math.round(rate * 100)}%`}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        {board.games} games from {board.prompts} ranked prompts.
      </p>
    </>
  );
}
