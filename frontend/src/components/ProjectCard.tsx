import { useId } from 'react';
import type { Project, ProjectRole } from '../api/client';

const ROLE_LABELS: Record<ProjectRole, string> = {
  annotator: 'Annotator',
  researcher: 'Researcher',
  admin: 'Admin',
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

export function ProjectCard({ project }: { project: Project }) {
  const headingId = useId();
  return (
    <article className="project-card" aria-labelledby={headingId}>
      <div className="project-card__header">
        <h2 className="project-card__name" id={headingId}>
          {project.name}
        </h2>
        <span className={`role-badge role-badge--${project.role}`}>
          <span className="visually-hidden">Your role: </span>
          {ROLE_LABELS[project.role]}
        </span>
      </div>
      {project.description === '' ? (
        <p className="project-card__description project-card__description--empty">
          No description
        </p>
      ) : (
        <p className="project-card__description">{project.description}</p>
      )}
      <p className="project-card__meta">
        <span className="project-card__slug">{project.slug}</span>
        <span aria-hidden="true"> · </span>
        Created <time dateTime={project.created_at}>{formatDate(project.created_at)}</time>
      </p>
    </article>
  );
}
