import { useId } from 'react';
import type { Project, ProjectRole } from '../api/client';
import { dashboardPath, workspacePath } from '../shared/routes';
import { Link } from '../router';
import { useProgress } from '../shared/useProgress';
import { ProgressSummary } from '../shared/ProgressSummary';

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
  const { progress } = useProgress(project.id);
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
      {progress && <ProgressSummary progress={progress} className="project-card__progress" />}
      <p className="project-card__meta">
        <span className="project-card__slug">{project.slug}</span>
        <span aria-hidden="true"> · </span>
        Created <time dateTime={project.created_at}>{formatDate(project.created_at)}</time>
      </p>
      <div className="project-card__actions">
        <Link
          className="button button--primary"
          to={workspacePath(project.id)}
          aria-label={`Rank items in ${project.name}`}
        >
          {progress && progress.ranked + progress.skipped + progress.flagged > 0
            ? 'Continue ranking'
            : 'Start ranking'}
        </Link>
        {project.role !== 'annotator' && (
          <Link className="button" to={dashboardPath(project.id)} aria-label={`Open the dashboard of ${project.name}`}>
            Dashboard
          </Link>
        )}
      </div>
    </article>
  );
}
