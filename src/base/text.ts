/** Small text helpers shared by the SVG and HTML writers. */

/** Escapes the five characters that XML (and so SVG and HTML) gives a meaning to. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
