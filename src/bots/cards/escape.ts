/**
 * Adaptive Card TextBlocks (and FactSet titles/values) interpret a Markdown subset: bold,
 * italics, numbered and bulleted lists, and links. Every string the assistant shows is
 * plain text (often holding what a person typed: an organization name, a reason), so it is
 * escaped before it goes into one: `[click](http://evil)` must stay those characters, not
 * become a link. CommonMark backslash escapes are what Teams' renderers honour; renderers
 * that do not would show a backslash, never a link.
 */
export function plainText(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        // Inline syntax: emphasis, links/images, code, autolinks (`<http://…>`), raw HTML.
        .replace(/[\\`*_[\]<>~]/g, '\\$&')
        // Block syntax at the start of a line: list items (`- `, `+ `, `1. `, `1) `) and headings.
        .replace(/^(\s*)([-+]|#+)(?=\s|$)/, '$1\\$2')
        .replace(/^(\s*\d+)([.)])(?=\s|$)/, '$1\\$2'),
    )
    .join('\n');
}
