import { useRef, useState } from 'react';
import type { Settings } from '../../../../shared/api';
import { focusSoon } from '../../a11y/focus';
import { Button, Card } from '../../components';
import type { SetDraft } from './draft';

export function WatchedFoldersSection({ draft, set }: { draft: Settings; set: SetDraft }) {
  const [folder, setFolder] = useState('');
  const list = useRef<HTMLUListElement>(null);
  const input = useRef<HTMLInputElement>(null);

  function add() {
    const dir = folder.trim();
    if (!dir) return;
    // The schema wants absolute paths; the core says so (with the field named) on save.
    if (!draft.watchedFolders.includes(dir)) set({ watchedFolders: [...draft.watchedFolders, dir] });
    setFolder('');
  }

  function remove(index: number) {
    const dir = draft.watchedFolders[index];
    set({ watchedFolders: draft.watchedFolders.filter((d) => d !== dir) });
    // The row and its button are gone: the next row's Remove (or the previous one), else the input.
    focusSoon(() => {
      const buttons = list.current?.querySelectorAll<HTMLButtonElement>('button');
      return buttons?.[Math.min(index, buttons.length - 1)] ?? input.current;
    });
  }

  return (
    <Card title="Watched folders" id="watched-folders">
      <p className="muted small">The security check scans the .env files in these folders for plaintext keys.</p>
      <ul className="folder-list" data-testid="watched-folders" ref={list}>
        {draft.watchedFolders.map((dir, i) => (
          <li key={dir} className="row">
            <code>{dir}</code>
            <button className="btn btn-small" type="button" aria-label={`Remove ${dir}`} onClick={() => remove(i)}>
              Remove
            </button>
          </li>
        ))}
        {draft.watchedFolders.length === 0 && <li className="muted">None.</li>}
      </ul>
      <div className="row">
        <label htmlFor="watch-folder" className="sr-only">
          Folder to watch
        </label>
        <input
          id="watch-folder"
          ref={input}
          value={folder}
          onChange={(e) => setFolder(e.target.value)}
          onKeyDown={(e) => {
            // Enter here adds the folder; it must not submit (save) the whole form.
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
          placeholder="/home/you/projects"
          spellCheck={false}
        />
        <Button type="button" inactive={!folder.trim()} data-testid="add-folder" onClick={add}>
          Add folder
        </Button>
      </div>
    </Card>
  );
}
