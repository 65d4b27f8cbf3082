import type { ComponentPropsWithRef, ReactNode } from 'react';
import type { ErrorPayload } from '../../shared/api';
import { VIEW_TITLE_ID } from './a11y/focus';

/** A view's h1: focus lands here after a view change (tabIndex -1: focusable by script only). */
export function ViewTitle({ children }: { children: ReactNode }) {
  return (
    <h1 className="view-title" id={VIEW_TITLE_ID} tabIndex={-1}>
      {children}
    </h1>
  );
}

/**
 * A button that can be unavailable without losing focus: `inactive` sets aria-disabled and
 * ignores clicks, where `disabled` would drop keyboard focus to <body> mid-action.
 */
export function Button({ inactive, onClick, className = 'btn', ...rest }: ComponentPropsWithRef<'button'> & { inactive?: boolean }) {
  return (
    <button
      {...rest}
      className={className}
      aria-disabled={inactive || undefined}
      onClick={(e) => {
        if (inactive) e.preventDefault();
        else onClick?.(e);
      }}
    />
  );
}

/** An error from the core: what failed and what to do, never a bare code; `action` is a button that does the fix. */
export function ErrorNotice({ error, onDismiss, action }: { error: ErrorPayload | null; onDismiss?: () => void; action?: ReactNode }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <div>
        <strong>{error.message}</strong>
        {error.fix && <p className="fix">{error.fix}</p>}
        {action && <div className="notice-action">{action}</div>}
      </div>
      {onDismiss && (
        <button className="btn btn-ghost btn-small" onClick={onDismiss} aria-label="Dismiss error">
          Dismiss
        </button>
      )}
    </div>
  );
}

export function Card({ title, children, actions, id }: { title: string; children: ReactNode; actions?: ReactNode; id?: string }) {
  const headingId = id ? `${id}-title` : undefined;
  return (
    <section className="card" aria-labelledby={headingId} id={id}>
      <header className="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div className="card-actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'info' | 'muted'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function Field({ label, children, hint, id }: { label: string; children: ReactNode; hint?: ReactNode; id: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <div className="hint" id={`${id}-hint`}>{hint}</div>}
    </div>
  );
}
