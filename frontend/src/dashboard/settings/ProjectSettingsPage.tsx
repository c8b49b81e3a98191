import { useState } from 'react';
import type { Project } from '../../api/client';
import { updateProject } from '../../api/projects';
import { Dialog } from '../../shared/Dialog';
import { ProjectForm } from '../../projects/ProjectForm';
import { Section } from '../ui/Section';
import { formatDateTime } from '../../shared/format';
import { useAction } from '../../shared/data/useAction';
import { useDocumentTitle } from '../../shared/useDocumentTitle';
import '../admin.css';

interface ProjectSettingsPageProps {
  project: Project;
  onChanged: (project: Project) => void;
}

function ArchivePanel({ project, onChanged }: ProjectSettingsPageProps) {
  const action = useAction();
  const [confirming, setConfirming] = useState(false);
  const archived = project.archived_at !== null && project.archived_at !== undefined;

  async function setArchived(value: boolean) {
    setConfirming(false);
    const changed = await action.run('archive', () => updateProject(project.id, { archived: value }));
    if (changed) onChanged(changed);
  }

  return (
    <div className="stack">
      {action.error && (
        <div className="form-alert" role="alert">
          <p>{action.error.message}</p>
        </div>
      )}
      {archived ? (
        <>
          <p>
            Archived on {formatDateTime(project.archived_at)}. Annotators no longer see it and it takes no rankings;
            its data, datasets and models stay.
          </p>
          <div className="button-row">
            <button
              type="button"
              className="button"
              disabled={action.pending !== null}
              onClick={() => void setArchived(false)}
            >
              Unarchive project
            </button>
          </div>
        </>
      ) : (
        <>
          <p>
            An archived project leaves its annotators’ lists and hands out no more items. Admins find it under
            “Archived” on the project list, and can bring it back.
          </p>
          <div className="button-row">
            <button
              type="button"
              className="button button--danger"
              disabled={action.pending !== null}
              onClick={() => {
                setConfirming(true);
              }}
            >
              Archive project
            </button>
          </div>
        </>
      )}
      {confirming && (
        <Dialog
          title={`Archive ${project.name}?`}
          onClose={() => {
            setConfirming(false);
          }}
        >
          <p className="dialog__text">
            Annotators will stop getting its items at once; a ranking they are working on will not be taken.
          </p>
          <div className="dialog__actions">
            <button
              type="button"
              className="button"
              data-autofocus
              onClick={() => {
                setConfirming(false);
              }}
            >
              Keep it open
            </button>
            <button type="button" className="button button--danger" onClick={() => void setArchived(true)}>
              Archive project
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

/** A project's settings, and archiving it (admins only). */
export function ProjectSettingsPage({ project, onChanged }: ProjectSettingsPageProps) {
  useDocumentTitle(`Settings · ${project.name}`);
  const [said, setSaid] = useState('');
  return (
    <>
      <div className="page__header">
        <h1 className="page__title">Settings</h1>
      </div>
      <p className={said === '' ? 'visually-hidden' : 'notice notice--success'} role="status">
        {said}
      </p>
      <Section title="Project">
        <ProjectForm
          project={project}
          onSaved={(saved) => {
            onChanged(saved);
            setSaid('Settings saved.');
          }}
        />
      </Section>
      <Section title="Archive">
        <ArchivePanel
          project={project}
          onChanged={(changed) => {
            onChanged(changed);
            setSaid(changed.archived_at ? 'The project is archived.' : 'The project is open again.');
          }}
        />
      </Section>
    </>
  );
}
