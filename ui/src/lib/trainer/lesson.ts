// Lesson content for a trainer's preview and the live session's section view. The hub's HTML
// blocks are shown as plain text paragraphs: parsed in an inert document (no scripts run, nothing
// loads) and reduced to their text, never inserted as HTML.
import type { BlockView, QuestionView, SectionView } from '../../ipc/training';

const BLOCKS = new Set([
  'P',
  'LI',
  'H1',
  'H2',
  'H3',
  'H4',
  'H5',
  'H6',
  'BLOCKQUOTE',
  'PRE',
  'TR',
  'DT',
  'DD',
  'DIV',
]);
const SKIPPED = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'IFRAME', 'OBJECT', 'SVG']);

/** An HTML block's text as paragraphs (list items prefixed with a bullet). */
export function htmlToParagraphs(html: string): string[] {
  const doc = new DOMParser().parseFromString(html, 'text/html');
  const out: string[] = [];
  let current = '';
  const flush = () => {
    const text = current.replace(/\s+/g, ' ').trim();
    if (text) out.push(text);
    current = '';
  };
  const walk = (node: Node) => {
    if (node.nodeType === 3) {
      current += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== 1) return;
    const name = (node as Element).tagName.toUpperCase();
    if (SKIPPED.has(name)) return;
    if (name === 'BR') {
      current += ' ';
      return;
    }
    const block = BLOCKS.has(name);
    if (block) {
      flush();
      if (name === 'LI') current = '• ';
    }
    node.childNodes.forEach(walk);
    if (block) flush();
  };
  doc.body.childNodes.forEach(walk);
  flush();
  return out;
}

/** Every quiz question of a section, in order. */
export function sectionQuestions(section: SectionView | undefined): QuestionView[] {
  if (!section) return [];
  return section.blocks.flatMap((block: BlockView) =>
    block.type === 'quiz' ? [block.question] : [],
  );
}

/** Every drill of a lesson (a drill may sit in any section). */
export function lessonDrills(sections: SectionView[]) {
  return sections.flatMap((section) =>
    section.blocks.flatMap((block) => (block.type === 'drill' ? [block.drill] : [])),
  );
}

/** The option indexes a preview marks as right (single and multiple choice). */
export function rightOptions(question: QuestionView): Set<number> {
  const answer = question.answer;
  if (answer?.kind === 'single') return new Set([answer.choice]);
  if (answer?.kind === 'multiple') return new Set(answer.choices);
  return new Set();
}

/** The right order of an ordering question's options, as their texts. */
export function rightOrder(question: QuestionView): string[] {
  const answer = question.answer;
  if (answer?.kind !== 'ordering') return [];
  return answer.order.flatMap((index) => {
    const option = question.options[index];
    return option === undefined ? [] : [option];
  });
}
