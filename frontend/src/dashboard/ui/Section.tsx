import { useId, type ReactNode } from 'react';

interface SectionProps {
  title: string;
  /** Controls on the right of the title. */
  actions?: ReactNode;
  children: ReactNode;
}

/** A titled part of a dashboard page (a landmark named by its heading). */
export function Section({ title, actions, children }: SectionProps) {
  const id = useId();
  return (
    <section className="dashboard__section" aria-labelledby={id}>
      <div className="section-header">
        <h2 className="section-title" id={id}>
          {title}
        </h2>
        {actions}
      </div>
      {children}
    </section>
  );
}
