import { describe, expect, it } from 'vitest';
import { maskedCopy } from '../../src/lib/workspace/copy';

/** A fixture shaped like what MessageList and MaskedText render. */
function fragment(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(html, 'text/html');
  const out = document.createDocumentFragment();
  out.append(...parsed.body.childNodes);
  return out;
}

const MESSAGE = `
  <article data-testid="message">
    <header><span class="author">Visitor (ES-ES)</span> <time>06:17 PM</time></header>
    <p class="text" data-testid="message-text">Mi tarjeta es
      <span class="masked revealed" data-masked-text="•••• •••• •••• 1111" data-testid="revealed"
        ><span class="visually-hidden">Revealed card number: </span>4111 1111 1111 1111</span
      >, gracias</p>
  </article>
  <article data-testid="message">
    <header><span class="author">You</span> <time>06:18 PM</time></header>
    <p class="text" data-testid="message-text">Su IBAN
      <span class="masked" data-testid="masked"><span class="visually-hidden">Masked IBAN: </span>[iban]</span>
      queda anotado</p>
  </article>`;

describe('copying from the console', () => {
  it('puts revealed values on the clipboard in their masked form, a message per line pair', () => {
    const copied = maskedCopy(fragment(MESSAGE));
    expect(copied).toBe(
      'Visitor (ES-ES) 06:17 PM\nMi tarjeta es •••• •••• •••• 1111, gracias\n' +
        'You 06:18 PM\nSu IBAN [iban] queda anotado',
    );
    expect(copied).not.toContain('4111');
    expect(copied).not.toContain('Revealed');
  });

  it('masks a revealed value copied on its own, outside any message', () => {
    const copied = maskedCopy(
      fragment(
        '<span data-masked-text="•••• 1111" data-testid="form-revealed">4111111111111111</span>',
      ),
    );
    expect(copied).toBe('•••• 1111');
  });
});
