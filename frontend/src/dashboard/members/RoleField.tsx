import type { MemberRole } from '../../api/dashboard';
import { FormField } from '../../shared/FormField';
import { ROLE_OPTIONS } from './MemberTable';

interface RoleFieldProps {
  label: string;
  value: MemberRole;
  errors: string[] | undefined;
  onChange: (role: MemberRole) => void;
}

/** A project role to pick for a member (annotator, researcher, admin). */
export function RoleField({ label, value, errors, onChange }: RoleFieldProps) {
  return (
    <FormField label={label} errors={errors}>
      {(control) => (
        <select
          {...control}
          value={value}
          onChange={(e) => {
            onChange(e.target.value as MemberRole);
          }}
        >
          {ROLE_OPTIONS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      )}
    </FormField>
  );
}
