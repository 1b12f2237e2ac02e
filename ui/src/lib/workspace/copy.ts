// What the clipboard gets when the agent copies from the console: the masked form of everything.
// Revealed values (a card shown for ten seconds) carry their masked text in `data-masked-text`
// and are copied as that; labels only screen readers see are left out.

/**
 * The text for a copied part of the page. `fragment` is a copy of the selection (it is
 * changed). Each transcript message becomes its author and time on one line and its text on
 * the next.
 */
export function maskedCopy(fragment: DocumentFragment): string {
  for (const el of fragment.querySelectorAll<HTMLElement>('[data-masked-text]')) {
    el.textContent = el.dataset.maskedText ?? '';
  }
  for (const el of fragment.querySelectorAll('.visually-hidden')) el.remove();
  const messages = [...fragment.querySelectorAll('[data-testid=message]')];
  if (messages.length === 0) return squash(fragment.textContent ?? '');
  return messages
    .map((message) => {
      const header = [...message.querySelectorAll('header > *')]
        .map((part) => squash(part.textContent ?? ''))
        .filter((part) => part !== '')
        .join(' ');
      const text = squash(message.querySelector('[data-testid=message-text]')?.textContent ?? '');
      return [header, text].filter((line) => line !== '').join('\n');
    })
    .join('\n');
}

/** Collapses the template's whitespace (indentation, line breaks between elements). */
function squash(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Handles a `copy` event anywhere on the page: the selection goes to the clipboard in its
 * masked form. Copying inside a text field (the composer) is left to the browser.
 */
export function copyMasked(event: ClipboardEvent): void {
  const target = event.target;
  if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
  const selection = document.getSelection();
  if (!selection || selection.rangeCount === 0 || !event.clipboardData) return;
  const fragment = document.createDocumentFragment();
  for (let i = 0; i < selection.rangeCount; i++) {
    fragment.append(selection.getRangeAt(i).cloneContents());
  }
  event.clipboardData.setData('text/plain', maskedCopy(fragment));
  event.preventDefault();
}
