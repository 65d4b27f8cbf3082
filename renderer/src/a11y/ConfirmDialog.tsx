import { useEffect, useId, useRef, type ReactNode, type RefObject } from 'react';

interface Props {
  title: ReactNode;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  onCancel: () => void;
  /** The control that opened the dialog: focus goes back to it on Cancel or Escape. */
  returnFocus: RefObject<HTMLElement | null>;
  testId?: string;
}

/**
 * A confirmation for a destructive action. It opens with Cancel focused (Enter, Enter cancels),
 * closes on Escape, keeps Tab inside itself, and gives focus back to the button that opened it.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel, returnFocus, testId }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    cancelButton.current?.focus();
  }, []);

  function cancel() {
    onCancel();
    returnFocus.current?.focus();
  }

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      cancel();
      return;
    }
    if (e.key !== 'Tab' || !box.current) return;
    const items = [...box.current.querySelectorAll<HTMLElement>('button:not([disabled]), [href], input:not([disabled]), [tabindex]:not([tabindex="-1"])')];
    if (items.length === 0) return;
    const first = items[0]!;
    const last = items[items.length - 1]!;
    if (e.shiftKey && document.activeElement === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault();
      first.focus();
    }
  }

  return (
    <div className="modal-backdrop">
      <div
        className="modal confirm"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={bodyId}
        ref={box}
        onKeyDown={onKeyDown}
        data-testid={testId}
      >
        <h2 id={titleId}>{title}</h2>
        <div id={bodyId}>{children}</div>
        <div className="row modal-actions">
          <button className="btn" onClick={cancel} ref={cancelButton} data-testid={testId ? `${testId}-cancel` : undefined}>
            Cancel
          </button>
          <button className="btn btn-danger" onClick={onConfirm} data-testid={testId ? `${testId}-confirm` : undefined}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
