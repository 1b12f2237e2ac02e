// The second sanitiser of lesson HTML. The hub renders lessons from Markdown with raw HTML
// turned into text and an allow-list sanitiser (ammonia); the console does not rely on that and
// cleans the HTML again here, with a stricter allow-list, before SafeHtml.svelte (the only
// component allowed to use {@html}) puts it on the page.
import DOMPurify from 'dompurify';

/** Elements a lesson may use: text structure, emphasis, code, quotes, lists, links, tables. */
export const ALLOWED_TAGS = [
  'p',
  'br',
  'h3',
  'h4',
  'h5',
  'h6',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  'code',
  'pre',
  'blockquote',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
];

/** Attributes kept: a link's target and a table cell's span. No style, class, id or on*. */
export const ALLOWED_ATTR = ['href', 'colspan', 'rowspan'];

/** Link schemes a lesson may use. Only https links can be opened (after a confirmation). */
const LINK = /^(?:https?:|mailto:)/i;

let hooked = false;

function purifier(): typeof DOMPurify {
  if (!hooked) {
    // Any href that is not http(s)/mailto goes (relative links, javascript:, data:, file:…).
    DOMPurify.addHook('afterSanitizeAttributes', (node) => {
      if (node.nodeName === 'A') {
        const href = node.getAttribute('href') ?? '';
        if (!LINK.test(href.trim())) node.removeAttribute('href');
      }
    });
    hooked = true;
  }
  return DOMPurify;
}

/** Cleans hub-rendered lesson HTML down to the allow-list above. */
export function sanitizeLessonHtml(html: string): string {
  return purifier().sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOWED_URI_REGEXP: LINK,
    // Numbers, not URLs: exempt from the link check above.
    ADD_URI_SAFE_ATTR: ['colspan', 'rowspan'],
    // Dropped with their content (the rest of an unknown element keeps its text).
    // Added to DOMPurify's own list (FORBID_CONTENTS would replace it): these go with their
    // content.
    ADD_FORBID_CONTENTS: [
      'script',
      'style',
      'svg',
      'math',
      'template',
      'iframe',
      'object',
      'noscript',
      'form',
      'textarea',
      'select',
      'title',
      'xmp',
      'noembed',
      'noframes',
    ],
    KEEP_CONTENT: true,
    RETURN_TRUSTED_TYPE: false,
  });
}
