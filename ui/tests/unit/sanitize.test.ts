// @vitest-environment jsdom
// DOMPurify is tested in jsdom (its own test environment): happy-dom parses HTML differently
// enough that DOMPurify misbehaves there, which would test happy-dom rather than the sanitiser.
import { describe, expect, it } from 'vitest';
import { sanitizeLessonHtml } from '../../src/lib/training/sanitize';

/** Parses sanitised output so assertions look at elements, not at strings. */
function parsed(html: string): HTMLElement {
  const root = document.createElement('div');
  root.append(
    ...new DOMParser().parseFromString(sanitizeLessonHtml(html), 'text/html').body.childNodes,
  );
  return root;
}

function attributes(root: HTMLElement): string[] {
  return [...root.querySelectorAll('*')].flatMap((el) => [...el.attributes].map((a) => a.name));
}

describe('lesson HTML is sanitised again in the console', () => {
  it('keeps the allowed structure and links', () => {
    const html =
      '<h3>Cards</h3><p>Never <strong>ask</strong> for a <em>card</em>; use <code>secure form</code>.</p>' +
      '<ul><li>one</li></ul><ol><li>two</li></ol><blockquote>quote</blockquote><pre>pre</pre>' +
      '<table><thead><tr><th>a</th></tr></thead><tbody><tr><td colspan="2">b</td></tr></tbody></table>' +
      '<p><a href="https://pcisecuritystandards.org/">PCI</a> <a href="mailto:security@example.com">mail</a> <a href="http://example.com/">plain</a></p>';
    const root = parsed(html);
    expect(root.querySelector('h3')?.textContent).toBe('Cards');
    expect(root.querySelectorAll('li')).toHaveLength(2);
    expect(root.querySelector('td')?.getAttribute('colspan')).toBe('2');
    const hrefs = [...root.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(hrefs).toEqual([
      'https://pcisecuritystandards.org/',
      'mailto:security@example.com',
      'http://example.com/',
    ]);
  });

  it('drops forms and DOMPurify’s own dangerous containers with their content', () => {
    const out = sanitizeLessonHtml(
      '<p>ok</p><form action="https://evil.example"><input name="code" value="FORMCANARY"></form><textarea>AREACANARY</textarea><noembed>EMBEDCANARY</noembed>',
    );
    expect(out).toContain('<p>ok</p>');
    for (const canary of ['FORMCANARY', 'AREACANARY', 'EMBEDCANARY', '<form', '<input', 'evil']) {
      expect(out).not.toContain(canary);
    }
  });

  it('drops scripts with their content', () => {
    const root = parsed('<p>before</p><script>window.pwned = 1</script><p>after</p>');
    expect(root.querySelector('script')).toBeNull();
    expect(root.textContent).toBe('beforeafter');
  });

  it('drops event handlers, style, class and id', () => {
    const html =
      '<p onclick="alert(1)" style="color:red" class="x" id="y">text</p><img src="x" onerror="alert(1)"><a href="https://a.example/" onmouseover="alert(1)">a</a>';
    const root = parsed(html);
    expect(root.querySelector('img')).toBeNull();
    expect(attributes(root)).toEqual(['href']);
    expect(sanitizeLessonHtml(html)).not.toMatch(/alert/);
  });

  it('removes javascript:, data: and relative links but keeps their text', () => {
    const root = parsed(
      '<a href="javascript:alert(1)">js</a><a href=" JaVaScRiPt:alert(1)">js2</a><a href="data:text/html,<script>alert(1)</script>">data</a><a href="/settings">rel</a><a href="file:///etc/passwd">file</a>',
    );
    const links = [...root.querySelectorAll('a')];
    expect(links.map((a) => a.textContent)).toEqual(['js', 'js2', 'data', 'rel', 'file']);
    expect(links.every((a) => !a.hasAttribute('href'))).toBe(true);
  });

  it('drops SVG and MathML payloads entirely', () => {
    const html =
      '<p>ok</p><svg onload="alert(1)"><script>alert(2)</script><a xlink:href="javascript:alert(3)"><text>svg</text></a></svg><math><mi xlink:href="javascript:alert(4)">m</mi></math>';
    const root = parsed(html);
    expect(root.querySelector('svg')).toBeNull();
    expect(root.querySelector('math')).toBeNull();
    expect(sanitizeLessonHtml(html)).toBe('<p>ok</p>');
  });

  it('drops iframes, forms, styles and unknown elements (keeping plain text)', () => {
    const root = parsed(
      '<iframe src="https://evil.example/"></iframe><form action="https://evil.example/"><input name="card"></form><style>p{}</style><div><span>kept</span></div><h1>big</h1>',
    );
    expect(root.querySelectorAll('iframe, form, input, style, div, span, h1')).toHaveLength(0);
    expect(root.textContent).toBe('keptbig');
  });
});
