import type { Member, MemberRole } from '../../api/dashboard';
import { formatDateTime } from '../../shared/format';

export const ROLE_OPTIONS: { value: MemberRole; label: string }[] = [
  { value: 'annotator', label: 'Annotator' },
  { value: 'researcher', label: 'Researcher' },
  { value: 'admin', label: 'Admin' },
];

interface MemberTableProps {
  members: readonly Member[];
  /** The member with a request in flight, if any. */
  busy: number | null;
  onChangeRole: (member: Member, role: MemberRole) => void;
  onRemove: (member: Member) => void;
  onResetPassword: (member: Member) => void;
}

/** The project's members, each with a role to change, a password to reset and a remove button. */
export function MemberTable({ members, busy, onChangeRole, onRemove, onResetPassword }: MemberTableProps) {
  return (
    <div className="table-scroll">
      <table className="data-table">
        <caption className="visually-hidden">Members</caption>
        <thead>
          <tr>
            <th scope="col">Member</th>
            <th scope="col">Role</th>
            <th scope="col">Added</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {members.map((member) => (
            <tr key={member.id}>
              <th scope="row">
                {member.display_name}
                {member.display_name !== member.username && <span className="muted"> · {member.username}</span>}
              </th>
              <td>
                <select
                  className="input input--small"
                  aria-label={`Role of ${member.username}`}
                  value={member.role ?? 'annotator'}
                  disabled={busy !== null}
                  onChange={(e) => {
                    onChangeRole(member, e.target.value as MemberRole);
                  }}
                >
                  {ROLE_OPTIONS.map((option) => (
                    <option key={option.value} value={option.value}>
                      {option.label}
                    </option>
                  ))}
                </select>
              </td>
              <td>{formatDateTime(member.created_at)}</td>
              <td className="member-actions">
                <button
                  type="button"
                  className="button button--small button--ghost"
                  disabled={busy !== null}
                  aria-label={`Reset the password of ${member.username}`}
                  onClick={() => {
                    onResetPassword(member);
                  }}
                >
                  Reset password
                </button>
                <button
                  type="button"
                  className="button button--small button--ghost"
                  disabled={busy !== null}
                  aria-label={`Remove ${member.username}`}
                  onClick={() => {
                    onRemove(member);
                  }}
                >
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
